"""Pure functions of a response (or its text) returning frozen typed objects. No fetching here."""
