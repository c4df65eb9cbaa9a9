"""The real server's password generator (opp/api/v1/items.py _get_words and _gen_pwd, xkcdpass based)."""

from __future__ import annotations

import random
import re

from sandbox.opp.errors import GeneratorCrash, OppError

# Words for the xkcdpass-like generator (lower case, 3 to 12 letters).
WORDS = """
able acid aged also apple arch area army away baby back ball band bank base bath bear beat
bell belt best bird blow blue boat body bomb bond bone book boom born boss both bowl bulk
burn bush busy cake calm came camp card care cart case cash cast cell chat chip city
anchor badge basket battery beacon bishop blanket bottle bridge bucket button cactus camera
candle canyon carbon carpet castle cattle cellar cement center cereal chance cherry circle
clover cobalt coffee comet copper cotton coyote crayon cricket crystal dancer desert dinner
dragon eagle engine falcon feather finger forest fossil galaxy garden ginger glacier goblet
harbor hammer helmet island jacket jungle kettle ladder lantern lemon lizard magnet marble
meadow mirror monkey mountain needle nickel oyster paddle parrot pencil pepper pickle pillow
planet pocket potato puzzle rabbit radish rocket saddle salmon signal silver spider spring
staple summer tablet temple thunder ticket tomato tunnel turtle velvet violin walnut window
winter wizard yellow zipper horse correct orange purple quartz rhythm saturn tornado umbrella
waterfall woodpecker xylophone yesterday lighthouse marathon notebook octopus pineapple
raincoat sandwich telescope trampoline backpack blueberry butterfly chocolate crocodile
dandelion dinosaur elephant evergreen fireplace firework flamingo grasshopper hurricane
""".split()
# The real server's delimiters (shared/api/opp.md, "Seen on the real server").
DELIMITERS = list("0123456789!#$%&()*@^")


def words(genopts):
    """The word list for genopts, or the real server's 400 on out-of-range word lengths."""
    genopts = genopts if isinstance(genopts, dict) else {}
    min_length = genopts.get("min_length", 5)
    max_length = genopts.get("max_length", 15)
    valid_chars = genopts.get("valid_chars", ".")
    msg = "Invalid password generation options!"
    if min_length < 5 or min_length > 15:
        raise OppError(msg, "For sanity's sake, minimum word length must be a number in the range "
                            "between 5 and 15.")
    if max_length < 5 or max_length > 20:
        raise OppError(msg, "For sanity's sake, maximum word length must be a number in the range "
                            "between 5 and 20.")
    if min_length > max_length:
        raise OppError(msg, "Minimum length cannot be larger than maximum length.")
    try:
        regexp = re.compile("^%s{%d,%d}$" % (valid_chars, min_length, max_length))
        return [word for word in WORDS if regexp.match(word)]
    except Exception:  # noqa: BLE001 - as the real server
        raise OppError("Exception during wordlist generation!", None, 500) from None


def password(words, genopts, fails=False):
    """opp/api/v1/items.py _gen_pwd: xkcdpass(numwords=numChars//4, random_delimiters=True,
    case='random'), checked for lower+upper+symbol and length BEFORE it is cut to numChars and
    shuffled, so a password does not always hold every class. Delimiters as seen on the real
    server (shared/api/opp.md): digits 0-9 and !#$%&()*@^. A generator failure (no word to
    choose from) kills the request: the real server closes the connection without an answer."""
    genopts = genopts if isinstance(genopts, dict) else {}
    num_chars = genopts.get("numChars", 16)
    if num_chars < 8 or num_chars > 100:
        raise OppError("Invalid password generation options!",
                       "For sanity's sake, numChars must be between 8 and 100 characters.")
    rng = random.SystemRandom()
    if fails or not words:
        raise GeneratorCrash("no words to choose from")
    for _attempt in range(50):  # as many tries as the real server
        chosen = ["".join(c.upper() if rng.random() < 0.5 else c for c in rng.choice(words))
                  for _word in range(max(1, num_chars // 4))]
        phrase = chosen[0]
        for word in chosen[1:]:
            phrase += rng.choice(DELIMITERS) + word
        # the real server's check (its class "()-+" is the range ")" to "+")
        if (re.search("[a-z]", phrase) and re.search("[A-Z]", phrase)
                and re.search(r"[!@#$%^&*()-+=\\_]", phrase) and len(phrase) >= num_chars):
            letters = list(phrase[:num_chars])
            rng.shuffle(letters)
            return "".join(letters)
    # raised inside the real _gen_pwd's try, whose except Exception answers this instead
    raise OppError("Exception during password generation!", None, 500)
