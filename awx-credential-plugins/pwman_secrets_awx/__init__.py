# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX credential plugins for pwman.secrets: "Passbolt Secret Lookup", "Passwordstate Password Lookup"
and "OpenPassPhrase Item Lookup".

Each module names one plugin PLUGIN (name, inputs, backend), the shape AWX reads from the
`awx_plugins.credentials` and `awx.credential_plugins` entry points. The backends run the
collection's own lookup implementations and product clients in-process: one login per call, no
lookup agent, and every GnuPG home removed before the call returns.
"""
