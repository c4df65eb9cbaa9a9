"""Local imitation of a Passbolt server (see app.py); seed_data.py describes its data."""
