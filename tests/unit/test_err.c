/* test_err.c - the error table names and describes every code. */
#include "unit.h"
#include "../../core/err.h"

TEST(err_every_code_has_name_and_message)
{
	CHECK_STR(vigil_strerror(0), "ok");
	CHECK_STR(vigil_errname(VIGIL_ENOSPC), "VIGIL_ENOSPC");
	CHECK_STR(vigil_strerror(VIGIL_ENOSPC), "table full");
	CHECK_STR(vigil_strerror(-9999), "unknown error");
	CHECK_STR(vigil_errname(1), "VIGIL_EUNKNOWN");
}
