"""Local imitation of a Passbolt server: app.py puts together one module per controller area (controllers/);
README.md says which module holds each endpoint; seed_data.py describes its data."""
