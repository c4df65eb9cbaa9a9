"""Seed data of the OPP imitation, importable by tests that need the expected values.

Test data only: these credentials protect nothing but the local throw-away server.
"""

from __future__ import annotations

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-login-Pa55"
DEMO_PHRASE = "demo phrase: correct horse battery staple"

# Category names, in creation order; ids are given by the server (1, 2, ...).
# "Web" appears twice on purpose: OPP allows duplicate category names.
CATEGORIES = ["Banking", "Infrastructure", "Web", "Web", "Archive"]

# Items: "category" is the index in CATEGORIES (None: no category).
# "admin console" exists in two categories on purpose (duplicate item names).
ITEMS = [
    {"name": "Wells Fargo", "url": "https://wellsfargo.example", "account": "01457XA8900",
     "username": "mylogin", "password": "wf-Secret-1!", "blob": "pin: 1234", "category": 0},
    {"name": "core router", "url": "https://10.0.0.1", "account": "",
     "username": "admin", "password": "router-Secret-2!", "blob": "", "category": 1},
    {"name": "admin console", "url": "https://infra.example/admin", "account": "infra",
     "username": "root", "password": "infra-Console-3!", "blob": "rack 4", "category": 1},
    {"name": "admin console", "url": "https://web.example/admin", "account": "web",
     "username": "webadmin", "password": "web-Console-4!", "blob": "", "category": 2},
    {"name": "mail", "url": "https://mail.example", "account": "",
     "username": "me@mail.example", "password": "mail-Secret-5!", "blob": "", "category": 3},
    {"name": "wifi", "url": "", "account": "",
     "username": "", "password": "wifi-Secret-6!", "blob": "ssid: home", "category": None},
]


def item_by_name(name, category=None):
    """The seed items named `name` (and in category `category` when given)."""
    found = []
    for item in ITEMS:
        if item["name"] != name:
            continue
        cat = None if item["category"] is None else CATEGORIES[item["category"]]
        if category is not None and cat != category:
            continue
        found.append(item)
    return found
