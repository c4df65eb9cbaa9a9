# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The work of the pwman.secrets.passwordstate_generate lookup. Loaded only where the lookup really runs (the lookup
agent, or the worker when the agent is off), never just to ask the agent."""

from __future__ import annotations

from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError
from ansible_collections.pwman.secrets.plugins.module_utils._passwordstate_client import PasswordstateClient
from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_runtime import LookupImplementation

MANUAL = {
    "include_alpha_special": "IncludeAlphaSpecial",
    "include_word_phrases": "IncludeWordPhrases",
    "min_length": "minLength",
    "max_length": "maxLength",
    "lowercase": "lowerCaseChars",
    "uppercase": "upperCaseChars",
    "numeric": "numericChars",
    "higher_alpha_ratio": "higherAlphaRatio",
    "ambiguous": "ambiguousChars",
    "special": "specialChars",
    "special_chars_text": "specialCharsText",
    "brackets": "bracketChars",
    "bracket_chars_text": "bracketCharsText",
    "number_of_words": "NumberOfWords",
    "max_word_length": "MaxWordLength",
    "prefix_append": "PrefixAppend",
    "separate_words": "SeparateWords",
}


class PasswordstateGenerateLookup(LookupImplementation):
    CALL_OPTIONS = ("qty", "generator_id") + tuple(MANUAL)
    # Every call must generate new passwords; only the session is reused.
    CACHE_RESULTS = False

    def lookup(self, terms, options):
        qty = options.get_option_default("qty", 1)
        if not isinstance(qty, int) or qty < 1:
            raise ConfigError("Option 'qty' must be at least 1, got %r." % (qty,))
        generator_id = options.get_option_default("generator_id")
        manual = {api: options.get_option_default(name) for name, api in MANUAL.items()}
        manual = {k: v for k, v in manual.items() if v is not None}
        if generator_id is not None and manual:
            raise ConfigError("Option 'generator_id' and the manual generator options (%s) are mutually exclusive."
                              % ", ".join(sorted(n for n, api in MANUAL.items() if api in manual)))
        low, high = manual.get("minLength"), manual.get("maxLength")
        if low is not None and high is not None and low > high:
            raise ConfigError("Option 'min_length' (%d) must not exceed 'max_length' (%d)." % (low, high))
        client = self.runtime.cached_client(options, PasswordstateClient)
        return client.generate(qty=qty, generator_id=generator_id, **manual)


IMPLEMENTATION = PasswordstateGenerateLookup
