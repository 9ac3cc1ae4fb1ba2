"""`python -m headcount …`, and the application file `spark-submit` is given (docs/spark.md)."""

from headcount.cli.app import main

if __name__ == "__main__":
    main()
