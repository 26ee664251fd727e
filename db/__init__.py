"""The database: schema and migrations, writes of articles and runs, Datasette metadata."""
