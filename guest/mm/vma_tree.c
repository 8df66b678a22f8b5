/* vma_tree.c - the VMAs of an address space in a balanced search tree
 * keyed by start address (an AVL tree), so that finding, inserting and
 * removing a VMA are O(log n) however many maps a process has (Linux kept
 * an rbtree until 6.1, a maple tree since).
 *
 * Each node also keeps the largest gap below any VMA of its subtree (the
 * free space between a VMA and the one before it, Linux's rb_subtree_gap),
 * so the search for a free range skips every subtree whose gaps are all
 * too small: get_unmapped_area is O(log n) too. A gap depends on the VMA
 * before, so the VMAs are also linked in address order (next, prev: the
 * cheap ordered walk the rest of mm/ uses), and whoever moves an end or
 * changes the neighbours calls vma_tree_update on the VMA after it. */
#include "kern.h"
#include "mm/internal.h"

static int height(const struct vma *n)
{
	return n ? n->tree_height : 0;
}

static uint64_t subtree_gap(const struct vma *n)
{
	return n ? n->subtree_gap : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The free space right below v. */
uint64_t vma_gap_before(const struct vma *v)
{
	return v->start - (v->prev ? v->prev->end : 0);
}

/* Recomputes n's height and gap from its children. */
static void pull(struct vma *n)
{
	int hl = height(n->left), hr = height(n->right);
	n->tree_height = 1 + (hl > hr ? hl : hr);
	n->subtree_gap =
		max_u64(vma_gap_before(n), max_u64(subtree_gap(n->left), subtree_gap(n->right)));
}

static struct vma *rotate_right(struct vma *n)
{
	struct vma *l = n->left;
	n->left = l->right;
	l->right = n;
	pull(n);
	pull(l);
	return l;
}

static struct vma *rotate_left(struct vma *n)
{
	struct vma *r = n->right;
	n->right = r->left;
	r->left = n;
	pull(n);
	pull(r);
	return r;
}

/* n with subtrees whose heights differ by at most 2: balanced again. */
static struct vma *rebalance(struct vma *n)
{
	pull(n);
	int balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vma *insert(struct vma *n, struct vma *v)
{
	if (!n) {
		v->left = v->right = NULL;
		pull(v);
		return v;
	}
	if (v->start < n->start)
		n->left = insert(n->left, v);
	else
		n->right = insert(n->right, v);
	return rebalance(n);
}

/* Takes the lowest node out of the subtree n into *min. */
static struct vma *erase_min(struct vma *n, struct vma **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = erase_min(n->left, min);
	return rebalance(n);
}

static struct vma *erase(struct vma *n, struct vma *v)
{
	if (n == v) {
		if (!n->left || !n->right)
			return n->left ? n->left : n->right;
		struct vma *succ;
		struct vma *right = erase_min(n->right, &succ);
		succ->left = n->left;
		succ->right = right;
		return rebalance(succ);
	}
	if (v->start < n->start)
		n->left = erase(n->left, v);
	else
		n->right = erase(n->right, v);
	return rebalance(n);
}

/* Recomputes the gaps on the path from n down to v. */
static void update(struct vma *n, const struct vma *v)
{
	if (n != v)
		update(v->start < n->start ? n->left : n->right, v);
	pull(n);
}

void vma_tree_insert(struct mm *mm, struct vma *v)
{
	mm->vma_root = insert(mm->vma_root, v);
	if (v->next)
		vma_tree_update(mm, v->next);
}

void vma_tree_erase(struct mm *mm, struct vma *v, struct vma *next)
{
	mm->vma_root = erase(mm->vma_root, v);
	if (next)
		vma_tree_update(mm, next);
}

void vma_tree_update(struct mm *mm, const struct vma *v)
{
	update(mm->vma_root, v);
}

struct vma *vma_first_after(const struct mm *mm, uint64_t addr)
{
	struct vma *best = NULL;
	for (struct vma *n = mm->vma_root; n;) {
		if (n->end > addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vma *vma_last(const struct mm *mm)
{
	struct vma *n = mm->vma_root;
	while (n && n->right)
		n = n->right;
	return n;
}

/* The highest VMA of subtree n below which a gap of len bytes fits inside
 * [low, high), or NULL: Linux's unmapped_area_topdown walk. A subtree
 * whose gaps are all shorter is skipped; so are the VMAs that start at
 * or above high (their gaps end above it) or at or below low. */
static struct vma *highest_fit(struct vma *n, uint64_t low, uint64_t high, uint64_t len)
{
	if (!n || n->subtree_gap < len)
		return NULL;
	if (n->start < high) {
		struct vma *r = highest_fit(n->right, low, high, len);
		if (r)
			return r;
	}
	uint64_t gap_end = n->start < high ? n->start : high;
	uint64_t gap_start = n->prev && n->prev->end > low ? n->prev->end : low;
	if (gap_end > gap_start && gap_end - gap_start >= len)
		return n;
	return n->start > low ? highest_fit(n->left, low, high, len) : NULL;
}

uint64_t vma_gap_topdown(const struct mm *mm, uint64_t low, uint64_t high, uint64_t len)
{
	if (high < low || high - low < len)
		return 0;
	/* Above every VMA first. */
	const struct vma *last = vma_last(mm);
	uint64_t top_start = last && last->end > low ? last->end : low;
	if (high > top_start && high - top_start >= len)
		return high - len;
	const struct vma *v = highest_fit(mm->vma_root, low, high, len);
	if (!v)
		return 0;
	return (v->start < high ? v->start : high) - len;
}
