/* mmu.h - the x86-64 MMU model: page walk, TLB hierarchy, #PF error codes.
 *
 * No Unicorn and no kernel here: tables are read from a physical-memory
 * interface (a host buffer standing for guest-physical memory). Entry bits,
 * walk semantics and error codes follow the Intel SDM vol. 3A chapter 4. */
#ifndef VMEMU_MMU_H
#define VMEMU_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- entry format (SDM 3A 4.5, tables 4-14 .. 4-20) ---- */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)   /* R/W */
#define PTE_U (1ULL << 2)   /* U/S */
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)   /* leaf only */
#define PTE_PS (1ULL << 7)  /* PDPTE / PDE: maps a 1 GiB / 2 MiB page */
#define PTE_G (1ULL << 8)   /* leaf only */
#define PTE_PAT_LARGE (1ULL << 12) /* PAT bit of a PS leaf */
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL /* bits 51:12, before MAXPHYADDR */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_SIZE_2M (1ULL << 21)
#define PAGE_SIZE_1G (1ULL << 30)

/* ---- #PF error code (SDM 3A 4.7) ---- */
#define X86_PF_P (1u << 0)    /* 0: not present; 1: protection */
#define X86_PF_W (1u << 1)    /* write access */
#define X86_PF_U (1u << 2)    /* user-mode access */
#define X86_PF_RSVD (1u << 3) /* reserved bit set in a paging-structure entry */
#define X86_PF_ID (1u << 4)   /* instruction fetch */
#define X86_PF_PK (1u << 5)   /* protection key (not modelled: never set) */

/* ---- control registers (only the bits the walk looks at) ---- */
#define CR0_PE (1ULL << 0)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_PGE (1ULL << 7)
#define CR4_LA57 (1ULL << 12)
#define CR4_PCIDE (1ULL << 17)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define CR3_PCID_MASK 0xfffULL
#define CR3_NOFLUSH (1ULL << 63) /* bit 63 of a MOV to CR3 with CR4.PCIDE */

/* Guest-physical memory as the walker sees it. Entries are read and written
 * as aligned little-endian 64-bit words at base + pa. */
struct mmu_phys {
	uint8_t *base;
	uint64_t size;
};

/* Entries are little-endian in guest memory whatever the host is. */
static inline uint64_t mmu_entry_load(const struct mmu_phys *phys, uint64_t pa)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | phys->base[pa + (uint64_t)i];
	return v;
}

static inline void mmu_entry_store(const struct mmu_phys *phys, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		phys->base[pa + (uint64_t)i] = (uint8_t)v;
}

struct mmu_regs {
	uint64_t cr0, cr3, cr4, efer;
	unsigned maxphyaddr; /* physical-address width, e.g. 46 */
};

enum mmu_access { MMU_READ, MMU_WRITE, MMU_FETCH };

/* One access: what is touched, how, and by whom. */
struct mmu_req {
	uint64_t va;
	enum mmu_access access;
	bool user;     /* CPL 3; false: a supervisor (CPL < 3) access */
	bool rflags_ac;/* RFLAGS.AC: lifts SMAP for supervisor data accesses */
};

/* A successful translation of one page. */
struct mmu_translation {
	uint64_t pa;        /* physical address of the byte at req.va */
	uint64_t page_pa;   /* physical base of the page (4K, 2M or 1G aligned) */
	uint64_t page_size; /* PAGE_SIZE, PAGE_SIZE_2M or PAGE_SIZE_1G */
	bool writable;      /* R/W = 1 at every level */
	bool user;          /* U/S = 1 at every level */
	bool executable;    /* NX = 0 at every level, or EFER.NXE = 0 */
	bool dirty;         /* leaf D bit is set (a write may go straight through) */
	bool global;        /* leaf G bit (with CR4.PGE) */
};

enum mmu_fault_kind {
	MMU_FAULT_NONE,
	MMU_FAULT_NOT_PRESENT, /* P = 0 at some level */
	MMU_FAULT_PROTECTION,  /* present, but access not allowed */
	MMU_FAULT_RESERVED,    /* reserved bit set */
	MMU_FAULT_NONCANONICAL,/* address not canonical: #GP, not #PF */
	MMU_FAULT_BAD_PHYS,    /* a table entry points outside physical memory */
};

struct mmu_fault {
	enum mmu_fault_kind kind;
	uint64_t cr2;        /* faulting linear address */
	uint32_t error_code; /* PF_* bits as the CPU pushes them; 0 for the
				non-#PF kinds NONCANONICAL and BAD_PHYS */
	int level;           /* level at which the walk stopped (5..1); the top
				level for NONCANONICAL, the leaf's for PROTECTION */
};

/* What one walk read and wrote at each level: for tracing and stepping. */
struct mmu_walk_step {
	int level;          /* 5 = PML5E, 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE */
	uint64_t entry_pa;  /* physical address of the entry */
	uint64_t old_value; /* as read */
	uint64_t new_value; /* as left (A/D set) */
};

enum mmu_tlb_id { MMU_L1_DTLB, MMU_L1_ITLB, MMU_L2_STLB, MMU_NTLBS };

struct mmu_walk_record {
	int nsteps;
	struct mmu_walk_step step[5];
	/* Filled by mmu_translate only: the TLB that served the access
	 * (MMU_NTLBS when it walked), and whether an entry was found that
	 * could not serve it (rights, or D clear for a write), dropped, and
	 * walked past. */
	enum mmu_tlb_id hit;
	bool stale;
	/* The paging-structure cache that let the walk skip levels: the
	 * level of the cached entry (2 = PDE cache ... 5 = PML5E cache; 0:
	 * none, the walk began at CR3), and the rights it held (MMU_RIGHT_*).
	 * step[0] is then the entry one level below it. */
	int psc_level;
	unsigned psc_rights;
};

/* Walks the tables for req under regs. On success fills *out, sets A on
 * every entry used and D on the leaf for a write, returns true. A is set on
 * each paging-structure entry as the walk goes through it, so on a fault the
 * entries above the faulting one keep the A bit they got; the faulting entry
 * (for a protection fault: the leaf) is left as it was. rec, which may be
 * NULL, gets every entry read, the faulting one included. */
bool mmu_walk(const struct mmu_phys *phys, const struct mmu_regs *regs,
	      const struct mmu_req *req, struct mmu_translation *out,
	      struct mmu_fault *fault, struct mmu_walk_record *rec);
/* The same walk leaving memory as it was (no A or D bit stays set): what
 * a debugger shows. rec's new_value equals old_value at every step, and
 * out->dirty is the leaf's D as it is (probe.c). */
bool mmu_probe(const struct mmu_phys *phys, const struct mmu_regs *regs,
	       const struct mmu_req *req, struct mmu_translation *out,
	       struct mmu_fault *fault, struct mmu_walk_record *rec);
/* The walk from a paging-structure-cache entry: level is that entry's
 * (2..5), table the physical address it holds, rights (MMU_RIGHT_*) the
 * rights it combined; the walk reads the entries below it only. rec gets
 * psc_level and psc_rights. */
bool mmu_walk_from(const struct mmu_phys *phys, const struct mmu_regs *regs,
		   const struct mmu_req *req, int level, uint64_t table, unsigned rights,
		   struct mmu_translation *out, struct mmu_fault *fault,
		   struct mmu_walk_record *rec);
/* The number of paging levels under regs: 4, or 5 with CR4.LA57. */
int mmu_levels(const struct mmu_regs *regs);

/* Whether t (rights combined over all levels) allows req under regs: the
 * checks of SDM 3A 4.6 (U/S, R/W with CR0.WP, NX, SMEP, SMAP with AC). */
bool mmu_access_allowed(const struct mmu_regs *regs, const struct mmu_req *req,
			const struct mmu_translation *t);
/* The #PF error code for req: cause (0, X86_PF_P or X86_PF_P | X86_PF_RSVD) plus W, U
 * and ID (ID only on a fetch with EFER.NXE or CR4.SMEP, SDM 3A 4.7). */
uint32_t mmu_pf_error_code(const struct mmu_regs *regs, const struct mmu_req *req,
			   uint32_t cause);

/* Rights combined over the levels walked so far (SDM 3A 4.6): R/W, U/S
 * and not-NX at every level down to this one. */
#define MMU_RIGHT_W (1u << 0)
#define MMU_RIGHT_U (1u << 1)
#define MMU_RIGHT_X (1u << 2)
/* The MMU_RIGHT_* of rec's entries 0..i together (with the rights of the
 * paging-structure-cache entry it began from, if any), under regs
 * (EFER.NXE): what a walk had allowed when it reached step i (for
 * debuggers; the walk itself does not spend time on it). */
unsigned mmu_step_rights(const struct mmu_regs *regs, const struct mmu_walk_record *rec, int i);

/* Names for messages: "not-present", "protection", "reserved". */
const char *mmu_fault_kind_name(enum mmu_fault_kind kind);
const char *mmu_access_name(enum mmu_access access);
/* "pml5e", "pml4e", "pdpte", "pde", "pte" for levels 5..1; "?" otherwise. */
const char *mmu_level_name(int level);
/* Writes the error code as "P|W|U" style text into buf ("0" when no bit is
 * set), truncated to len; returns buf. */
char *mmu_error_code_str(uint32_t error_code, char *buf, size_t len);

/* ---- TLB model ---- */

enum tlb_page_size { TLB_4K, TLB_2M, TLB_1G, TLB_NSIZES };

/* One set-associative array for one page size. sets * ways entries;
 * ways == 0 means the structure does not cache that size. */
struct tlb_geometry {
	unsigned sets, ways;
};

/* One TLB structure (e.g. the L1 dTLB) with an array per page size. */
struct tlb_config {
	const char *name;
	struct tlb_geometry size[TLB_NSIZES];
	/* 2M pages live in the 4K array (as in a 4K/2M STLB); size[TLB_2M]
	 * must then be empty. */
	bool shared_4k_2m;
};

/* Lookups that hit or missed; valid entries replaced by an insert
 * (evictions) or dropped by invlpg and flushes (invalidations). The
 * per-size counters split hits, inserts (fills) and evictions by the
 * page size of the entry concerned. */
struct tlb_stats {
	uint64_t hits, misses, evictions, invalidations;
	uint64_t size_hits[TLB_NSIZES], size_fills[TLB_NSIZES], size_evictions[TLB_NSIZES];
};

struct tlb_entry {
	uint64_t vpn;   /* va >> page shift for its size */
	uint64_t page_pa;
	uint16_t pcid;
	uint8_t valid, global, writable, user, executable, dirty;
	uint8_t size;   /* enum tlb_page_size */
	uint64_t lru;   /* last use, for replacement */
};

struct tlb {
	struct tlb_config cfg;
	struct tlb_entry *entries[TLB_NSIZES]; /* sets*ways each */
	unsigned nvalid[TLB_NSIZES]; /* valid entries of each page size */
	uint64_t clock;
	struct tlb_stats stats;
};

/* Builds a TLB with cfg; sets must be a power of two. Returns false on a
 * bad geometry or out of memory. */
bool tlb_init(struct tlb *tlb, const struct tlb_config *cfg);
void tlb_destroy(struct tlb *tlb);
/* Looks va up for pcid (global entries match any pcid) in every page size.
 * Counts hit/miss; a hit makes the entry the most recently used. */
bool tlb_lookup(struct tlb *tlb, uint64_t va, uint16_t pcid, struct mmu_translation *out);
/* Inserts a translation (LRU replacement within the set, counts evictions).
 * An entry for the same page that matches pcid is overwritten in place. A
 * page size the structure does not cache is not inserted. */
void tlb_insert(struct tlb *tlb, uint64_t va, uint16_t pcid, const struct mmu_translation *t);
/* INVLPG: drops every entry for va in pcid, and global entries for va. */
void tlb_invlpg(struct tlb *tlb, uint64_t va, uint16_t pcid);
/* Drops the non-global entries of one PCID (INVPCID type 1 without va / CR3 write). */
void tlb_flush_pcid(struct tlb *tlb, uint16_t pcid);
/* Drops everything, global entries too when with_global. */
void tlb_flush_all(struct tlb *tlb, bool with_global);

/* ---- paging-structure caches (SDM 3A 4.10.3, psc.c) ----
 * One fully associative cache per level of non-leaf entry: the PDE cache
 * (level 2, tagged by linear-address bits 47:21), the PDPTE cache (3, bits
 * 47:30), the PML4E cache (4, bits 47:39) and, with 5-level paging, the
 * PML5E cache (5, bits 56:48). An entry holds the physical address of the
 * next table and the rights of its entry and those above (R/W and U/S
 * ANDed, XD ORed), tagged by PCID. They hold no global entries. */

#define PSC_LEVEL_MIN 2
#define PSC_LEVEL_MAX 5

struct psc_entry {
	uint64_t tag;      /* va >> the shift of the level the entry's table indexes */
	uint64_t table;    /* physical address of the next paging structure */
	uint64_t lru;
	uint16_t pcid;
	uint8_t valid, rights; /* MMU_RIGHT_* */
};

/* Per level (index 2..5): walks it let skip levels, entries made,
 * valid entries replaced (evictions) or dropped (invalidations). */
struct psc_stats {
	uint64_t hits[PSC_LEVEL_MAX + 1], fills[PSC_LEVEL_MAX + 1];
	uint64_t evictions[PSC_LEVEL_MAX + 1], invalidations[PSC_LEVEL_MAX + 1];
};

struct psc {
	unsigned size[PSC_LEVEL_MAX + 1]; /* entries per level; 0: no such cache */
	struct psc_entry *entry[PSC_LEVEL_MAX + 1];
	unsigned nvalid;
	uint64_t clock;
	struct psc_stats stats;
};

/* size[2..5] entries per level (others ignored). False out of memory. */
bool psc_init(struct psc *psc, const unsigned size[PSC_LEVEL_MAX + 1]);
void psc_destroy(struct psc *psc);
/* The lowest-level entry for va in pcid (the longest match, SDM 3A
 * 4.10.3.2): its level, with *table and *rights; 0 when none matches. */
int psc_lookup(struct psc *psc, uint64_t va, uint16_t pcid, uint64_t *table, unsigned *rights);
/* Caches the level-`level` entry used for va: the table it points to and
 * the rights combined down to it. */
void psc_fill(struct psc *psc, int level, uint64_t va, uint16_t pcid, uint64_t table,
	      unsigned rights);
/* Drops the entries of pcid that would be used for va (a #PF on va, or
 * INVPCID's individual-address type for another PCID). */
void psc_flush_va(struct psc *psc, uint64_t va, uint16_t pcid);
/* Drops every entry of pcid (INVLPG, a MOV to CR3 that flushes). */
void psc_flush_pcid(struct psc *psc, uint16_t pcid);
void psc_flush_all(struct psc *psc);

/* ---- TLB models: presets and --tlb (model.c) ---- */

/* The TLB hierarchy and paging-structure caches of one core. */
struct mmu_model {
	const char *name;
	struct tlb_config tlb[MMU_NTLBS];
	unsigned psc[PSC_LEVEL_MAX + 1]; /* entries of the level-2..5 caches */
};

/* The presets, NULL-terminated; the first (skylake) is the default. */
extern const struct mmu_model *const mmu_models[];
/* A preset by name, or NULL. */
const struct mmu_model *mmu_model_find(const char *name);
/* Parses --tlb SPEC: a preset's name, or "custom:KEY=VALUE,..." where
 * each KEY (l1d.4k, l1d.2m, l1d.1g, l1i.4k, l1i.2m, l1i.1g, stlb.4k,
 * stlb.2m, stlb.1g, stlb.4k2m, pde, pdpte, pml4e, pml5e) replaces one
 * array of the skylake preset with ENTRIESxWAYS, ENTRIES (fully
 * associative) or 0 (none). False with the reason in why. */
bool mmu_model_parse(const char *spec, struct mmu_model *out, char *why, size_t len);

/* ---- the MMU: registers + TLB hierarchy + walker ---- */

struct mmu_stats {
	uint64_t translations;  /* mmu_translate calls */
	uint64_t walks;         /* page walks started */
	uint64_t walk_refs;     /* paging-structure entries read by walks */
	uint64_t walk_refs_saved; /* entries walks did not read: a paging-structure cache had them */
	uint64_t faults;        /* walks that ended in a fault */
	uint64_t walks_by_leaf[TLB_NSIZES]; /* successful walks, by the page size they found */
};

/* Sees every translation mmu_translate makes (for tracers and debuggers):
 * req; ok with t, or the fault; rec with the walk (nsteps 0 for a TLB
 * hit) and which TLB served it. A walk is one with rec->hit == MMU_NTLBS:
 * there are exactly stats.walks of them. */
struct mmu_observer {
	void *ctx;
	void (*translated)(void *ctx, const struct mmu_req *req, bool ok,
			   const struct mmu_translation *t, const struct mmu_fault *fault,
			   const struct mmu_walk_record *rec);
};

struct mmu {
	struct mmu_phys phys;
	struct mmu_regs regs;
	struct tlb tlb[MMU_NTLBS];
	struct psc psc;
	const char *model; /* the model's name */
	struct mmu_stats stats;
	const struct mmu_observer *observer; /* NULL: none (a plain run) */
};

/* model may be NULL for the default (mmu_models[0]). Registers start in
 * long mode with protection, paging, PAE, NXE, WP, PGE and PCIDE on,
 * maxphyaddr 46, cr3 0. */
bool mmu_init(struct mmu *mmu, struct mmu_phys phys, const struct mmu_model *model);
void mmu_destroy(struct mmu *mmu);

/* Translates through the TLBs (iTLB for fetches, dTLB otherwise, then the
 * STLB) and walks on a miss. A TLB hit whose cached permissions do not allow
 * the access, or a write through an entry whose D is clear, walks again (as
 * hardware does before raising #PF or setting D); the stale entry is
 * dropped from every TLB first (counted as invalidations). A fault also drops
 * the va's entries, as a #PF does (SDM 3A 4.10.4.1). An STLB hit refills the
 * L1 TLB. rec, which may be NULL, gets the walk (nsteps 0 on a TLB hit),
 * the TLB that hit and whether a stale entry was walked past. The
 * observer, if any, sees the call once it is done. */
bool mmu_translate(struct mmu *mmu, const struct mmu_req *req, struct mmu_translation *out,
		   struct mmu_fault *fault, struct mmu_walk_record *rec);

/* ---- the paging structures as a tree (ptvisit.c) ---- */

/* One non-zero paging-structure entry. */
struct mmu_pt_entry {
	int level;         /* 5..1, as in struct mmu_walk_step */
	unsigned index;    /* in its table, 0..511 */
	uint64_t va;       /* the first (canonical) address it maps */
	uint64_t span;     /* how many bytes of address space it covers */
	uint64_t entry_pa; /* physical address of the entry */
	uint64_t value;
	bool leaf;         /* maps a page (a PTE, or PS set), or is not present */
};

typedef void mmu_pt_fn(void *ctx, const struct mmu_pt_entry *e);

/* Calls fn for every non-zero entry under regs->cr3 whose range meets
 * [lo, hi) (hi 0: to the end of the address space), in address order, each
 * table entry before the entries of the table it points to. Reads only:
 * tables that lie outside phys are not followed. */
void mmu_pt_visit(const struct mmu_phys *phys, const struct mmu_regs *regs, uint64_t lo,
		  uint64_t hi, mmu_pt_fn *fn, void *ctx);

/* MOV to CR3: with CR4.PCIDE and bit 63 set, keeps the new PCID's entries;
 * otherwise flushes the new PCID's non-global entries (without PCIDE: all
 * non-global entries). Bit 63 is never stored in cr3. */
void mmu_write_cr3(struct mmu *mmu, uint64_t cr3);
/* INVLPG va (SDM 3A 4.10.4.1): the TLB entries for va in the current PCID
 * and global ones for va, and every paging-structure-cache entry of the
 * current PCID. */
void mmu_invlpg(struct mmu *mmu, uint64_t va);
/* The same for the address space tagged pcid: INVLPG when it is the
 * current one, else INVPCID individual-address (type 0), which drops the
 * TLB entries for va and the paging-structure-cache entries that would be
 * used for va, of that PCID. */
void mmu_invlpg_pcid(struct mmu *mmu, uint64_t va, uint16_t pcid);
/* Flush of all non-global entries of one PCID across the hierarchy and
 * its paging-structure-cache entries (INVPCID single-context). */
void mmu_flush_pcid(struct mmu *mmu, uint16_t pcid);
/* Everything, global pages included (e.g. toggling CR4.PGE). */
void mmu_flush_all(struct mmu *mmu);

static inline uint16_t mmu_current_pcid(const struct mmu *mmu)
{
	return (mmu->regs.cr4 & CR4_PCIDE) ? (uint16_t)(mmu->regs.cr3 & CR3_PCID_MASK) : 0;
}

#endif
