"""`python -m headcount …`, and the application file `spark-submit` is given (docs/spark.md)."""

from headcount.cli.signals import main

if __name__ == "__main__":
    main()
