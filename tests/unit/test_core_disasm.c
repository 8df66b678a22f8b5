/* test_core_disasm.c - decoding for exception classification and exact
 * fault addresses. The expected addresses are worked out by hand from the
 * encodings (Intel SDM vol. 2). */
#include <check.h>
#include <stdlib.h>

#include "disasm.h"
#include "unit.h"

static struct disasm *d;

static void setup(void)
{
	d = disasm_open();
	ck_assert_ptr_nonnull(d);
}

static void teardown(void)
{
	disasm_close(d);
}

START_TEST(test_undefined)
{
	static const uint8_t ud2[] = {0x0f, 0x0b};
	static const uint8_t ud1[] = {0x0f, 0xb9, 0xc0};
	static const uint8_t bad[] = {0x0f, 0xff, 0xff, 0xff};
	static const uint8_t nop[] = {0x90};
	static const uint8_t hlt[] = {0xf4};
	ck_assert(disasm_is_undefined(d, 0x1000, ud2, sizeof(ud2)));
	ck_assert(disasm_is_undefined(d, 0x1000, bad, sizeof(bad)));
	ck_assert(!disasm_is_undefined(d, 0x1000, nop, sizeof(nop)));
	/* hlt decodes: in user mode it is a #GP (SIGSEGV), not a #UD. */
	ck_assert(!disasm_is_undefined(d, 0x1000, hlt, sizeof(hlt)));
	/* A truncated instruction does not decode. */
	ck_assert(disasm_is_undefined(d, 0x1000, ud1, 1));
}
END_TEST

START_TEST(test_mem_refs_base_index_disp)
{
	/* mov eax, [rbx + rcx*4 + 0x10]: 8b 44 8b 10 */
	static const uint8_t code[] = {0x8b, 0x44, 0x8b, 0x10};
	struct cpu_context ctx = {.rip = 0x401000, .rbx = 0x7000, .rcx = 3};
	struct mem_ref r[4];
	ck_assert_int_eq(disasm_mem_refs(d, &ctx, code, sizeof(code), r, 4), 1);
	ck_assert_uint_eq(r[0].addr, 0x7000 + 3 * 4 + 0x10);
	ck_assert_uint_eq(r[0].size, 4);
}
END_TEST

START_TEST(test_mem_refs_rip_relative)
{
	/* mov qword [rip + 0x100], rax: 48 89 05 00 01 00 00 (7 bytes) */
	static const uint8_t code[] = {0x48, 0x89, 0x05, 0x00, 0x01, 0x00, 0x00};
	struct cpu_context ctx = {.rip = 0x401000};
	struct mem_ref r[4];
	ck_assert_int_eq(disasm_mem_refs(d, &ctx, code, sizeof(code), r, 4), 1);
	ck_assert_uint_eq(r[0].addr, 0x401000 + 7 + 0x100);
	ck_assert_uint_eq(r[0].size, 8);
}
END_TEST

START_TEST(test_mem_refs_fs_and_32bit)
{
	/* mov rax, fs:[0x28]: 64 48 8b 04 25 28 00 00 00 */
	static const uint8_t fs[] = {0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00};
	/* mov eax, [esi] with the address-size prefix: 67 8b 06 */
	static const uint8_t esi[] = {0x67, 0x8b, 0x06};
	struct cpu_context ctx = {.rip = 0x401000, .fs_base = 0x7ffff7ff8000,
				  .rsi = 0xdead00001234ULL};
	struct mem_ref r[4];
	ck_assert_int_eq(disasm_mem_refs(d, &ctx, fs, sizeof(fs), r, 4), 1);
	ck_assert_uint_eq(r[0].addr, 0x7ffff7ff8000 + 0x28);
	ck_assert_int_eq(disasm_mem_refs(d, &ctx, esi, sizeof(esi), r, 4), 1);
	ck_assert_uint_eq(r[0].addr, 0x00001234); /* 32-bit addressing drops the top */
}
END_TEST

START_TEST(test_mem_refs_none)
{
	/* add eax, ebx: 01 d8 — no memory operand */
	static const uint8_t code[] = {0x01, 0xd8};
	struct cpu_context ctx = {.rip = 0x401000};
	struct mem_ref r[4];
	ck_assert_int_eq(disasm_mem_refs(d, &ctx, code, sizeof(code), r, 4), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core_disasm");
	TCase *tc = unit_tcase(s, "disasm", setup, teardown);
	tcase_add_test(tc, test_undefined);
	tcase_add_test(tc, test_mem_refs_base_index_disp);
	tcase_add_test(tc, test_mem_refs_rip_relative);
	tcase_add_test(tc, test_mem_refs_fs_and_32bit);
	tcase_add_test(tc, test_mem_refs_none);
	return unit_run(s);
}
