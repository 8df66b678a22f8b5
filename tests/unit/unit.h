/* unit.h - what every Check program in tests/unit/ shares: test cases
 * added to a suite with their fixture, and a main that runs the suite.
 *
 * Header-only (static inline), so each test stays a single source file
 * linked only with the library it tests. */
#ifndef VMEMU_TESTS_UNIT_H
#define VMEMU_TESTS_UNIT_H

#include <check.h>
#include <stdlib.h>

/* A new test case called name in s. setup and teardown (either may be
 * NULL) run around each of its tests, in the test's own process when
 * Check forks. Tests can be added after this. */
static inline TCase *unit_tcase(Suite *s, const char *name, SFun setup, SFun teardown)
{
	TCase *tc = tcase_create(name);
	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

/* Runs every test of s (CK_ENV: CK_VERBOSITY chooses the output, normal
 * by default); returns main's exit status. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
