/* uffd_test.h - userfaultfd(2)'s ABI for the guest programs (musl has no
 * <linux/userfaultfd.h>), as include/uapi/linux/userfaultfd.h defines it,
 * and the helpers the uffd_*.c programs share. */
#ifndef UFFD_TEST_H
#define UFFD_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_test.h"

#ifndef SYS_userfaultfd
#define SYS_userfaultfd 323
#endif

#define UFFD_API 0xAAULL
#define UFFD_USER_MODE_ONLY 1
#define UFFD_EVENT_PAGEFAULT 0x12
#define UFFD_PAGEFAULT_FLAG_WRITE (1 << 0)
#define UFFD_PAGEFAULT_FLAG_WP (1 << 1)
#define UFFD_FEATURE_SIGBUS (1 << 7)
#define UFFD_FEATURE_THREAD_ID (1 << 8)
#define UFFDIO_REGISTER_MODE_MISSING (1ULL << 0)
#define UFFDIO_REGISTER_MODE_WP (1ULL << 1)
#define UFFDIO_COPY_MODE_DONTWAKE (1ULL << 0)
#define UFFDIO_ZEROPAGE_MODE_DONTWAKE (1ULL << 0)

struct uffd_msg {
	uint8_t event, reserved1;
	uint16_t reserved2;
	uint32_t reserved3;
	union {
		struct {
			uint64_t flags, address;
			union {
				uint32_t ptid;
			} feat;
		} pagefault;
		struct {
			uint64_t reserved1, reserved2, reserved3;
		} reserved;
	} arg;
} __attribute__((packed));

struct uffdio_api {
	uint64_t api, features, ioctls;
};
struct uffdio_range {
	uint64_t start, len;
};
struct uffdio_register {
	struct uffdio_range range;
	uint64_t mode, ioctls;
};
struct uffdio_copy {
	uint64_t dst, src, len, mode;
	int64_t copy;
};
struct uffdio_zeropage {
	struct uffdio_range range;
	uint64_t mode;
	int64_t zeropage;
};

#define UFFDIO_API _IOWR(0xAA, 0x3F, struct uffdio_api)
#define UFFDIO_REGISTER _IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_UNREGISTER _IOR(0xAA, 0x01, struct uffdio_range)
#define UFFDIO_WAKE _IOR(0xAA, 0x02, struct uffdio_range)
#define UFFDIO_COPY _IOWR(0xAA, 0x03, struct uffdio_copy)
#define UFFDIO_ZEROPAGE _IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)

static inline int uffd_new(int flags)
{
	return (int)syscall(SYS_userfaultfd, flags);
}

/* A userfaultfd with UFFDIO_API done, asking for features. */
static inline int uffd_ready(int flags, uint64_t features)
{
	int fd = uffd_new(flags);
	CHECK(fd >= 0, "userfaultfd: %s", strerror(errno));
	struct uffdio_api api = {.api = UFFD_API, .features = features};
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno));
	return fd;
}

/* UFFDIO_REGISTER of [start, start + len); *ioctls (when not NULL) gets
 * what it returns. */
static inline int uffd_register(int fd, void *start, uint64_t len, uint64_t mode,
				uint64_t *ioctls)
{
	struct uffdio_register r = {.range = {(uintptr_t)start, len}, .mode = mode};
	int ret = ioctl(fd, UFFDIO_REGISTER, &r);
	if (ioctls)
		*ioctls = r.ioctls;
	return ret;
}

#endif
