/*
 * err.c - names and messages for the VIGIL_E* table in err.h.
 */
#include "err.h"

const char *
vigil_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
#define VIGIL_ERR_MSG(name, value, msg)                                        \
	case value:                                                                \
		return msg;
		VIGIL_ERRNO_MAP(VIGIL_ERR_MSG)
#undef VIGIL_ERR_MSG
	default:
		return "unknown error";
	}
}

const char *
vigil_errname(int err)
{
	switch (err) {
	case 0:
		return "VIGIL_OK";
#define VIGIL_ERR_NAME(name, value, msg)                                       \
	case value:                                                                \
		return "VIGIL_" #name;
		VIGIL_ERRNO_MAP(VIGIL_ERR_NAME)
#undef VIGIL_ERR_NAME
	default:
		return "VIGIL_EUNKNOWN";
	}
}
