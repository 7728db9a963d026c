"""The limits a reader may ask for: one place for the widgets' fields and the JSON API.

Each widget's parameters (app/widgets/) and each ``/api/`` route's query bounds
read their limits from here, so the two never disagree.
"""

from engine.tokenizer import MAX_NAME_LEN

SEED_MAX = 2**31 - 1     # the largest seed (table, kitchen number, pairs) anyone may ask for
T_MAX = 5                # the largest temperature anyone may ask for
N_MAX = 50               # names served at once on the dial
MAX_LETTERS = MAX_NAME_LEN  # the longest name the kitchen takes (16 positions with the bell)

PRACTICE_STEPS_MAX = 2000             # menus in one practice run
PRACTICE_LR_MIN, PRACTICE_LR_MAX = 0.0001, 1.0  # the strength of the hand
