# Tiny limits for core/virsh, core/jobs and core/policy: 3 VMs per host,
# 2 job slots, 1 recommendation, 4 decisions, 4 history events and short
# texts, so every full table, ring overwrite and cut reason runs (the base
# tiny set already has VIGIL_MAX_HOSTS=2).
TINY_EXTRA += -DVIGIL_MAX_VMS=3 -DVIGIL_MAX_JOBS=2 -DVIGIL_MAX_RECS=1 \
              -DVIGIL_MAX_DECISIONS=4 -DVIGIL_JOB_HISTORY=4 \
              -DVIGIL_JOB_EVENT_TEXT=24 -DVIGIL_MAX_REASON=48
