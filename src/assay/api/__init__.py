"""HTTP front end: FastAPI applications over the services and feeds."""
