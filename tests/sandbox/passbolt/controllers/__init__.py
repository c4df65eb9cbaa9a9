"""One module per passbolt_api controller area; see ../README.md."""
