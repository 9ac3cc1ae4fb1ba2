"""`python -m headcount …`, and the application file `spark-submit` is given (docs/spark.md)."""

from headcount.cli.launch import main

if __name__ == "__main__":
    main()
