# Tiny limits for core/syslog and core/frame (VIGIL_MAX_MSG=512,
# VIGIL_MAX_HOSTNAME=16 and VIGIL_MAX_APPNAME=8 are in the base tiny set).
TINY_EXTRA += -DVIGIL_MAX_PROCID=4 -DVIGIL_MAX_MSGID=4 -DVIGIL_MAX_OCTET_DIGITS=4
