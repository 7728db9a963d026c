"""The limits a reader may ask for: one place for the widgets' fields and the JSON API.

Each widget's parameters (app/widgets/) and each ``/api/`` route's query bounds
read their limits from here, so the two never disagree.
"""

from engine.search import MAX_WIDTH
from engine.tokenizer import MAX_NAME_LEN, VOCAB_SIZE

SEED_MAX = 2**31 - 1     # the largest seed (table, kitchen number, pairs) anyone may ask for
T_MAX = 5                # the largest temperature anyone may ask for
N_MAX = 50               # names served at once on the dial
MAX_LETTERS = MAX_NAME_LEN  # the longest name the kitchen takes (block_size positions, less the bell)

PRACTICE_STEPS_MAX = 2000             # menus in one practice run
PRACTICE_LR_MIN, PRACTICE_LR_MAX = 0.0001, 1.0  # the weight of the hand (learning rate)

TOP_K_MAX = VOCAB_SIZE   # top-k: keep the K most likely courses; all of them = no cut
TOP_P_MIN = 0.05         # top-p: the smallest share the kept courses must reach that anyone may ask for
BEAM_WIDTH_MAX = MAX_WIDTH  # menus beam search keeps at each course
BEAM_WIDTH_DEFAULT = 5
