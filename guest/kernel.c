/* kernel.c - the kernel object: guest-physical memory, the MMU, the current
 * process, and the entry points core/ calls. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fs.h"
#include "kern.h"
#include "mm/mm.h"
#include "task/task.h"

static const struct vm_file_ops vm_file_ops = {.get = file_get, .put = file_put,
					       .wake = file_wake};

struct kernel *kernel_create(const struct kernel_config *cfg, const struct kernel_ops *ops,
			     char *err, size_t errlen)
{
	struct kernel *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	k->cfg = *cfg;
	k->ops = *ops;
	k->vm_file_ops = &vm_file_ops;
	k->root_fd = -1;
	k->wake_fd[0] = k->wake_fd[1] = -1;
	cred_host_init(k);
	k->fill_va = FILL_NONE;
	k->phys_size = cfg->mem_size & ~(PAGE_SIZE - 1);
	/* Reserved, not committed: the host gives pages as the guest uses them. */
	void *mem = mmap(NULL, k->phys_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		snprintf(err, errlen, "cannot reserve %llu MiB of guest memory: %s",
			 (unsigned long long)(k->phys_size >> 20), strerror(errno));
		free(k);
		return NULL;
	}
	k->phys = mem;
	/* Host huge pages where the host's THP setting allows them: a first
	 * touch of guest memory then costs one host fault per 2 MiB instead
	 * of one per 4 KiB (bench/README.md: touch, cow and filemap ran 1.5
	 * to 5 times faster). Best effort: without host THP this fails and
	 * nothing changes. */
	madvise(mem, k->phys_size, MADV_HUGEPAGE);
	if (pipe2(k->wake_fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot create the scheduler's wake pipe: %s", strerror(errno));
		kernel_destroy(k);
		return NULL;
	}
	if (frame_allocator_init(&k->frames, k->phys_size >> PAGE_SHIFT) || pagecache_init(k) ||
	    lru_init(k) || mqueue_init_ns(k) ||
	    !mmu_init(&k->mmu, (struct mmu_phys){k->phys, k->phys_size}, cfg->tlb_model)) {
		snprintf(err, errlen, "out of host memory");
		kernel_destroy(k);
		return NULL;
	}
	/* Linux's vm sysctls and zone watermarks. */
	vm_sysctl_init(k);
	kernel_sysctl_init(k);
	k->thp = cfg->thp;
	khugepaged_init(k);
	k->vm.nr_hugepages = (int)hugetlb_set_pool(k, HSTATE_2M, cfg->hugepages_2m);
	hugetlb_set_pool(k, HSTATE_1G, cfg->hugepages_1g);
	init_per_zone_wmark_min(k);
	if (cfg->swap_size && swap_init(k, cfg->swap_size, cfg->swap_file, err, errlen)) {
		kernel_destroy(k);
		return NULL;
	}
	/* The guest kernel runs like Linux on a current x86-64 core. */
	k->mmu.regs.cr4 |= CR4_SMEP | CR4_SMAP | (cfg->la57 ? CR4_LA57 : 0);
	if (cfg->root) {
		k->root_fd = file_open_root(cfg->root);
		if (k->root_fd >= 0 && !realpath(cfg->root, k->root_path)) {
			int e = errno;
			close(k->root_fd);
			k->root_fd = -e;
		}
		if (k->root_fd < 0) {
			snprintf(err, errlen, "--root %s: %s", cfg->root, strerror(-k->root_fd));
			kernel_destroy(k);
			return NULL;
		}
	}
	return k;
}

void kernel_destroy(struct kernel *k)
{
	if (!k)
		return;
	while (k->procs)
		process_reap(k, k->procs);
	cred_host_restore(k);
	nsproxy_exit(k);
	shm_exit_ns(k);
	sem_exit_ns(k);
	msg_exit_ns(k);
	mqueue_exit_ns(k);
	vdso_exit(k);
	pagecache_destroy(k);
	tty_exit(k);
	if (k->root_fd >= 0)
		close(k->root_fd);
	for (int i = 0; i < 2; i++)
		if (k->wake_fd[i] >= 0)
			close(k->wake_fd[i]);
	swap_destroy(&k->swap);
	hugetlb_destroy(k);
	mmu_destroy(&k->mmu);
	lru_destroy(&k->lru);
	frame_allocator_destroy(&k->frames);
	if (k->phys)
		munmap(k->phys, k->phys_size);
	free(k);
}

uint8_t *kernel_phys_base(struct kernel *k)
{
	return k->phys;
}

uint64_t kernel_phys_size(struct kernel *k)
{
	return k->phys_size;
}

struct cpu_context *kernel_current_context(struct kernel *k)
{
	return &k->current->ctx;
}

uint64_t kernel_current_cr3(struct kernel *k)
{
	return k->mmu.regs.cr3;
}

size_t kernel_read_user(struct kernel *k, uint64_t va, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		size_t len = PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1));
		if (len > n - done)
			len = n - done;
		if (copy_from_user(k, (uint8_t *)buf + done, va + done, len))
			break;
		done += len;
	}
	return done;
}

/* The #PF handler proper: handle_mm_fault, then the signal. */
static bool fix_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		      bool user, struct fault_signal *why)
{
	*why = (struct fault_signal){0};
	if (user && emulate_vsyscall(k, f, access))
		return false; /* done, but nothing to translate: the CPU goes on from the registers */
	if (handle_mm_fault(k, f, access, user, why))
		return true;
	if (user && why->sig)
		force_sig_fault(k->current, why->sig, why->si_code, f, access);
	return false;
}

/* With a tracer: out of the common path. */
static __attribute__((noinline)) bool fix_fault_traced(struct kernel *k, const struct mmu_fault *f,
						       enum mmu_access access, bool user)
{
	struct ktrace_fault kf;
	struct fault_signal why;
	ktrace_fault_begin(k, f, &kf);
	bool fixed = fix_fault(k, f, access, user, &why);
	ktrace_fault_end(k, f, access, user, fixed, &why, &kf);
	return fixed;
}

/* handle_page_fault, inlined into kernel_tlb_fill (the hot path). */
static inline bool page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
			      bool user)
{
	struct fault_signal why;
	if (__builtin_expect(k->trace != NULL, 0) && k->trace->fault)
		return fix_fault_traced(k, f, access, user);
	return fix_fault(k, f, access, user, &why);
}

bool kernel_tlb_fill(struct kernel *k, uint64_t va, enum mmu_access access, uint64_t *page_pa,
		     unsigned *prot)
{
	if (k->current->pending_fatal)
		return false; /* the CPU is on its way out of this slice */
	struct mmu_req req = {.va = va, .access = access, .user = true};
	struct mmu_translation t;
	struct mmu_fault f;
	k->stats.tlb_fills[access]++;
	k->fill_va = va & ~(PAGE_SIZE - 1);
	k->fill_replaces = false;
	/* A fixed fault walks again; more than a few rounds means no progress. */
	for (int tries = 0;; tries++) {
		if (mmu_translate(&k->mmu, &req, &t, &f, NULL))
			break;
		if (tries == 3) /* a fault that comes back: never spin */
			kernel_raise_fatal(k, SIGSEGV);
		if (tries == 3 || !page_fault(k, &f, access, true)) {
			kernel_tlb_fill_failed(k);
			return false;
		}
	}
	k->fill_va = FILL_NONE;
	*page_pa = t.pa & ~(PAGE_SIZE - 1);
	/* Rule 1: the CPU may write only once D is set, and never execute NX. */
	*prot = KPROT_READ;
	if (t.writable && t.dirty)
		*prot |= KPROT_WRITE;
	if (t.executable) {
		*prot |= KPROT_EXEC;
		frame_mark_exec(k, *page_pa);
	}
	return true;
}

void kernel_tlb_fill_failed(struct kernel *k)
{
	k->fill_va = FILL_NONE;
	if (k->fill_replaces) /* the CPU keeps its old entry: drop it */
		k->ops.flush_tlb(k->ops.ctx);
	k->fill_replaces = false;
}

void kernel_raise_fatal(struct kernel *k, int sig)
{
	force_fatal_sig(k->current, sig);
}

void kernel_raise_single_step(struct kernel *k)
{
	force_single_step(k->current);
}

bool handle_page_fault(struct kernel *k, const struct mmu_fault *f, enum mmu_access access,
		       bool user)
{
	return page_fault(k, f, access, user);
}

bool kernel_pending_fault(struct kernel *k, uint64_t **addr, enum mmu_access *access)
{
	struct process *p = k->current;
	if (!p->pending_fatal || p->fault.kind == MMU_FAULT_NONE)
		return false;
	if (addr)
		*addr = &p->fault.addr;
	if (access)
		*access = p->fault.access;
	return true;
}

uint64_t kernel_shutdown(struct kernel *k)
{
	for (struct process *p = k->procs; p; p = p->next)
		if (!p->exited)
			process_kill(k, p, SIGKILL);
	/* Reap all but init, whose status is vmemu's. */
	for (struct process *p = k->procs, *next; p; p = next) {
		next = p->next;
		if (p != k->init)
			process_reap(k, p);
	}
	shm_exit_ns(k); /* IPC objects outlive processes, not the kernel */
	sem_exit_ns(k);
	msg_exit_ns(k);
	vdso_exit(k);
	pagecache_drop_all(k);
	/* What the kernel kept for itself: the hugetlb pool, the huge zero page. */
	hugetlb_set_pool(k, HSTATE_2M, 0);
	hugetlb_set_pool(k, HSTATE_1G, 0);
	huge_zero_page_put(k);
	k->ops.flush_code(k->ops.ctx);
	frame_release_quarantine(k);
	return k->frames.in_use + k->stats.page_table_pages + k->swap.used;
}

int kernel_exit_status(struct kernel *k)
{
	struct process *p = k->init;
	if (!p)
		return 0;
	return p->term_signal ? 128 + p->term_signal : p->exit_code;
}

int kernel_exit_signal(struct kernel *k)
{
	return k->init ? k->init->term_signal : 0;
}

const struct kernel_stats *kernel_stats(struct kernel *k)
{
	k->stats.frames_total = k->frames.nframes - FRAME_FIRST;
	k->stats.frames_in_use = k->frames.in_use;
	k->stats.frames_peak = k->frames.peak;
	return &k->stats;
}

struct mmu *kernel_mmu(struct kernel *k)
{
	return &k->mmu;
}
