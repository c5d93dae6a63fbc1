"""A generated city: deterministic demo data and the bulk loader behind `generate-city`."""
