# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: passwordstate_generate
author: pwman.secrets contributors (@pwman)
short_description: Generate random passwords with the Passwordstate password generator
version_added: 0.1.0
description:
  - Calls C(/api/generatepassword) with the generator key (O(generator_api_key), falling back to O(api_key)).
  - With no generator option it uses the server's Default Password Generator; O(generator_id) picks a saved
    generator; the other options set the generator's settings by hand (unset ones keep the server's defaults).
  - Terms are not used.
options:
  qty:
    description: How many passwords to generate.
    type: int
    default: 1
  generator_id:
    description: The PasswordGeneratorID of a saved generator. Exclusive with the manual options.
    type: int
  include_alpha_special:
    description: Include alphanumerics and special characters (C(IncludeAlphaSpecial)).
    type: bool
  include_word_phrases:
    description: Include random words (C(IncludeWordPhrases)).
    type: bool
  min_length:
    description: Minimum length of the alphanumeric/special part (C(minLength)).
    type: int
  max_length:
    description: Maximum length of the alphanumeric/special part (C(maxLength)).
    type: int
  lowercase:
    description: Include lowercase characters (C(lowerCaseChars)).
    type: bool
  uppercase:
    description: Include uppercase characters (C(upperCaseChars)).
    type: bool
  numeric:
    description: Include digits (C(numericChars)).
    type: bool
  higher_alpha_ratio:
    description: More alphanumerics than special characters (C(higherAlphaRatio)).
    type: bool
  ambiguous:
    description: Include ambiguous characters such as C(I), C(l) and C(1) (C(ambiguousChars)).
    type: bool
  special:
    description: Include special characters (C(specialChars)).
    type: bool
  special_chars_text:
    description: The special characters to use (C(specialCharsText)), for example C(!#$%^&*+/=_-).
    type: str
  brackets:
    description: Include brackets (C(bracketChars)).
    type: bool
  bracket_chars_text:
    description: The brackets to use (C(bracketCharsText)), for example C([](){}<>).
    type: str
  number_of_words:
    description: How many words (C(NumberOfWords)).
    type: int
  max_word_length:
    description: Maximum word length (C(MaxWordLength)).
    type: int
  prefix_append:
    description: V(P) prefixes the words, V(A) appends them, V(I) inserts them (C(PrefixAppend)).
    type: str
    choices: [P, A, I]
  separate_words:
    description: Separate words with V(S) spaces, V(D) dashes or V(N) nothing (C(SeparateWords)).
    type: str
    choices: [S, D, N]
extends_documentation_fragment:
  - pwman.secrets.connection
  - pwman.secrets.passwordstate
  - pwman.secrets.passwordstate.plugins
  - pwman.secrets.cache
"""

EXAMPLES = r"""
- name: One password from the Default Password Generator
  ansible.builtin.set_fact:
    new_password: "{{ lookup('pwman.secrets.passwordstate_generate') }}"
  no_log: true

- name: Five passwords from a saved generator
  ansible.builtin.set_fact:
    pins: "{{ query('pwman.secrets.passwordstate_generate', generator_id=3, qty=5) }}"
  no_log: true

- name: Settings by hand - 32 characters, letters and digits only
  ansible.builtin.set_fact:
    token: >-
      {{ lookup('pwman.secrets.passwordstate_generate', include_alpha_special=true, min_length=32,
                max_length=32, lowercase=true, uppercase=true, numeric=true, special=false) }}
  no_log: true
"""

RETURN = r"""
_raw:
  description: The generated passwords (O(qty) strings).
  type: list
  elements: str
"""

from ansible_collections.pwman.secrets.plugins.plugin_utils._runtime_cache import cached_imports

with cached_imports():
    from ansible_collections.pwman.secrets.plugins.plugin_utils._lookup_base import PwmanLookupBase


class LookupModule(PwmanLookupBase):
    """The work is in plugin_utils/_passwordstate_generate_lookup.py (it runs in the lookup agent, or here with cache=false)."""
