# Tiny Drain limits: 4 templates, 8 tokens, 128-byte lines, a pool that holds
# about three long templates and a node table a few paths deep, so template,
# pool, node and token overflow all happen in the unit tests and the fuzzer.
TINY_EXTRA += -DVIGIL_DRAIN_MAX_TEMPLATES=4 -DVIGIL_DRAIN_MAX_TOKENS=8 \
              -DVIGIL_DRAIN_MAX_LINE=128 -DVIGIL_DRAIN_POOL_BYTES=512 \
              -DVIGIL_DRAIN_MAX_NODES=10 -DVIGIL_MASK_MAX_RULES=8
