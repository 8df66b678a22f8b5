/* proc_cpuinfo.c - /proc/cpuinfo: the guest's one CPU (sched_getaffinity
 * and /sys/devices/system/cpu say it has one), in the format of Linux's
 * arch/x86/kernel/cpu/proc.c, describing the CPU Unicorn emulates as
 * CPUID describes it in the guest: QEMU's "Haswell" model, whose leaves
 * are below as the guest reads them. The flags are the names Linux gives
 * the CPUID bits, in Linux's order (by capability word, then bit); the
 * flags Linux makes up itself (constant_tsc, cpuid, ...) are left out:
 * this kernel does not detect them. An emulated CPU does not speculate,
 * so it has no bugs. Its TSC counts at the host's rate, so "cpu MHz"
 * (and bogomips, twice it, as Linux computes it from the TSC) are the
 * host's (0 if the host does not say). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "kern.h"

#define CPUID_LEVEL 13
#define VENDOR "GenuineIntel"
#define FAMILY 6
#define MODEL 60 /* 0x3c: leaf 1 EAX 0x000306c4 */
#define STEPPING 4
#define MODEL_NAME "Intel Core Processor (Haswell)"
#define CACHE_KB 4096      /* leaf 4's last level: L2, 16 ways x 64 B x 4096 sets */
#define CLFLUSH_SIZE 64    /* leaf 1 EBX[15:8] x 8 */
#define PHYS_BITS 40       /* leaf 0x80000008 EAX 0x3028 */
#define VIRT_BITS 48

/* A capability word: the CPUID register the guest reads, and the names
 * Linux's cpufeatures.h gives its bits (NULL: unnamed, or not shown). */
struct cap_word {
	uint32_t value;
	const char *names[32];
};

static const struct cap_word words[] = {
	{0x078bfbfd, /* 1:EDX */
	 {"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep", "mtrr",
	  "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi", "mmx", "fxsr",
	  "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe"}},
	{0x28100800, /* 0x80000001:EDX */
	 {[11] = "syscall", [19] = "mp", [20] = "nx", [22] = "mmxext", [25] = "fxsr_opt",
	  [26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm", [30] = "3dnowext", [31] = "3dnow"}},
	{0xced82203, /* 1:ECX; bit 27, OSXSAVE, is not shown */
	 {"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3",
	  "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca", "sse4_1", "sse4_2",
	  "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", NULL, "avx", "f16c",
	  "rdrand", "hypervisor"}},
	{0x00000021, /* 0x80000001:ECX */
	 {"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse",
	  "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", NULL, "lwp", "fma4", "tce", NULL,
	  "nodeid_msr", NULL, "tbm", "topoext", "perfctr_core", "perfctr_nb", NULL, "bpext", "ptsc",
	  "perfctr_llc", "mwaitx"}},
	{0x00000389, /* 7.0:EBX */
	 {"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", NULL, "smep", "bmi2", "erms",
	  "invpcid", "rtm", "cqm", NULL, "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx",
	  "smap", "avx512ifma", NULL, "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er",
	  "avx512cd", "sha_ni", "avx512bw", "avx512vl"}},
	{0x00000001, /* 0xd.1:EAX */
	 {"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
	{0x00000004, /* 6:EAX */
	 {"dtherm", "ida", "arat", NULL, "pln", NULL, "pts", "hwp"}},
	{0x00000000, /* 7.0:ECX */
	 {[1] = "avx512vbmi", [2] = "umip", [3] = "pku", [4] = "ospke", [5] = "waitpkg",
	  [6] = "avx512_vbmi2", [8] = "gfni", [9] = "vaes", [10] = "vpclmulqdq",
	  [11] = "avx512_vnni", [12] = "avx512_bitalg", [14] = "avx512_vpopcntdq", [16] = "la57",
	  [22] = "rdpid"}},
};

/* The host's "cpu MHz" value in kHz, or 0. */
static unsigned long host_cpu_khz(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;
	while (f && fgets(line, sizeof(line), f)) {
		const char *colon = strchr(line, ':');
		if (!strncmp(line, "cpu MHz", 7) && colon && sscanf(colon + 1, "%lf", &mhz) == 1)
			break;
	}
	if (f)
		fclose(f);
	return (unsigned long)(mhz * 1000 + 0.5);
}

void proc_cpuinfo_show(struct kernel *k, struct process *p, struct seq *s)
{
	(void)k;
	(void)p;
	unsigned long khz = host_cpu_khz();
	seq_printf(s, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\n", VENDOR,
		   FAMILY, MODEL);
	seq_printf(s, "model name\t: %s\nstepping\t: %d\n", MODEL_NAME, STEPPING);
	seq_printf(s, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
	seq_printf(s, "cache size\t: %d KB\n", CACHE_KB);
	seq_printf(s, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n");
	seq_printf(s, "apicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\n");
	seq_printf(s, "cpuid level\t: %d\nwp\t\t: yes\nflags\t\t:", CPUID_LEVEL);
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
		for (int bit = 0; bit < 32; bit++)
			if ((words[w].value >> bit & 1) && words[w].names[bit])
				seq_printf(s, " %s", words[w].names[bit]);
	seq_printf(s, "\nbugs\t\t:\n");
	/* loops_per_jiffy / (500000 / HZ), as "%lu.%02lu" */
	seq_printf(s, "bogomips\t: %lu.%02lu\n", khz / 500, khz / 5 % 100);
	seq_printf(s, "clflush size\t: %d\ncache_alignment\t: %d\n", CLFLUSH_SIZE, CLFLUSH_SIZE);
	seq_printf(s, "address sizes\t: %d bits physical, %d bits virtual\n", PHYS_BITS, VIRT_BITS);
	seq_printf(s, "power management:\n\n");
}
