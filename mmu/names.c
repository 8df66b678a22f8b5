/* names.c - text for fault kinds, access types and #PF error codes. */
#include <stdio.h>

#include "mmu.h"

const char *mmu_fault_kind_name(enum mmu_fault_kind kind)
{
	switch (kind) {
	case MMU_FAULT_NONE:
		return "none";
	case MMU_FAULT_NOT_PRESENT:
		return "not-present";
	case MMU_FAULT_PROTECTION:
		return "protection";
	case MMU_FAULT_RESERVED:
		return "reserved";
	case MMU_FAULT_NONCANONICAL:
		return "non-canonical";
	case MMU_FAULT_BAD_PHYS:
		return "bad-phys";
	}
	return "?";
}

const char *mmu_access_name(enum mmu_access access)
{
	switch (access) {
	case MMU_READ:
		return "read";
	case MMU_WRITE:
		return "write";
	case MMU_FETCH:
		return "fetch";
	}
	return "?";
}

char *mmu_error_code_str(uint32_t error_code, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} flags[] = { { X86_PF_P, "P" }, { X86_PF_W, "W" }, { X86_PF_U, "U" },
		      { X86_PF_RSVD, "RSVD" }, { X86_PF_ID, "ID" }, { X86_PF_PK, "PK" } };
	char text[64] = "";	/* room for every name and the unknown bits */
	uint32_t rest = error_code;
	size_t used = 0;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!(error_code & flags[i].bit))
			continue;
		rest &= ~flags[i].bit;
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
					 used ? "|" : "", flags[i].name);
	}
	if (rest || !error_code)
		snprintf(text + used, sizeof(text) - used, "%s%#x", used ? "|" : "", rest);
	if (len)
		snprintf(buf, len, "%s", text);
	return buf;
}

const char *mmu_level_name(int level)
{
	static const char *const names[] = { "pte", "pde", "pdpte", "pml4e", "pml5e" };

	return level >= 1 && level <= 5 ? names[level - 1] : "?";
}
