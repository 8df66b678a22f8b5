/* cow_fill: a page read, then written, then read again at once, as each
 * kind of write fault that changes a present PTE (copy-on-write after fork,
 * the first store to a zero-page page, the parent's reuse once the child
 * is gone, the first store to a shared file page).
 *
 * usage: cow_fill [MIB]   (default 16)
 *
 * The read before the store makes the CPU cache a read-only translation of
 * the old page; the store's fault gives the page a new frame or the W bit.
 * Under vmemu the CPU's TLB is then not flushed: the fill that answers the
 * store replaces the cached entry (pgtable_update_filled). Every read after
 * a store must see it, and the rest of the page must be the copy of the
 * old one; the other process must never see the store. Run also under
 * memory pressure (--mem below the total), where reclaim during the fault
 * can end the slice and fail the fill after the PTE changed. */
#include "guest_test.h"
#include "page_pattern.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEED 0x636f7766696c6cULL /* "cowfill" */

/* Reads word 0 of each page (expected old), stores new there, reads it
 * back, and checks the last word of the page is still the old pattern's. */
static void read_store_read(unsigned char *p, size_t pages, unsigned old_gen, uint64_t tag,
			    const char *who)
{
	for (size_t i = 0; i < pages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + i * PAGE);
		uint64_t want = old_gen == ~0u ? 0 : page_word(SEED, i, old_gen, 0);
		uint64_t last = old_gen == ~0u ? 0 : page_word(SEED, i, old_gen, PAGE / 8 - 1);
		CHECK(w[0] == want, "%s: page %zu reads %#llx before the store, expected %#llx", who,
		      i, (unsigned long long)w[0], (unsigned long long)want);
		w[0] = tag ^ i;
		CHECK(w[0] == (tag ^ i), "%s: page %zu reads %#llx after storing %#llx", who, i,
		      (unsigned long long)w[0], (unsigned long long)(tag ^ i));
		CHECK(w[PAGE / 8 - 1] == last, "%s: page %zu: the rest of the page was not kept", who,
		      i);
	}
}

static void check_tags(const unsigned char *p, size_t pages, uint64_t tag, const char *who)
{
	for (size_t i = 0; i < pages; i++) {
		uint64_t w = *(const volatile uint64_t *)(p + i * PAGE);
		CHECK(w == (tag ^ i), "%s: page %zu holds %#llx, expected %#llx", who, i,
		      (unsigned long long)w, (unsigned long long)(tag ^ i));
	}
}

static void private_cow(size_t pages)
{
	unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < pages; i++)
		page_fill(p, i, SEED, 0);
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) { /* every store copies: the parent still maps the page */
		read_store_read(p, pages, 0, 0xc41d000000000000ULL, "child");
		check_tags(p, pages, 0xc41d000000000000ULL, "child, second pass");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed: status %#x", status);
	/* The parent's pages are its own again: each store reuses the frame. */
	read_store_read(p, pages, 0, 0x9a7e000000000000ULL, "parent");
	check_tags(p, pages, 0x9a7e000000000000ULL, "parent, second pass");
	CHECK(munmap(p, pages * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void zero_page(size_t pages)
{
	unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	/* No huge page: a read of each 4 KiB page maps the zero page. */
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	read_store_read(p, pages, ~0u, 0x2e40000000000000ULL, "zero page");
	check_tags(p, pages, 0x2e40000000000000ULL, "zero page, second pass");
	CHECK(munmap(p, pages * PAGE) == 0, "munmap: %s", strerror(errno));
}

static void shared_file(size_t pages)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/cow_fill.XXXXXX", tmp_dir());
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	unlink(path);
	CHECK(ftruncate(fd, (off_t)(pages * PAGE)) == 0, "ftruncate: %s", strerror(errno));
	unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
	read_store_read(p, pages, ~0u, 0x5fa4000000000000ULL, "shared file");
	CHECK(munmap(p, pages * PAGE) == 0, "munmap: %s", strerror(errno));
	/* The stores reached the file. */
	for (size_t i = 0; i < pages; i++) {
		uint64_t w;
		CHECK(pread(fd, &w, sizeof(w), (off_t)(i * PAGE)) == sizeof(w), "pread: %s",
		      strerror(errno));
		CHECK(w == (0x5fa4000000000000ULL ^ i), "shared file: page %zu of the file holds %#llx",
		      i, (unsigned long long)w);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	size_t pages = (argc > 1 ? strtoul(argv[1], NULL, 0) : 16) << 20 >> 12;
	CHECK(pages > 0, "usage: cow_fill [MIB]");
	private_cow(pages);
	zero_page(pages);
	shared_file(pages);
	printf("cow_fill: %zu pages, each read, stored and read again in four kinds of fault\n",
	       pages);
	return 0;
}
