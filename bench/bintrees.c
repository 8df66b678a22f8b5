/* binary-trees (after the Computer Language Benchmarks Game task): build and
 * check many short-lived binary trees with malloc/free, next to one
 * long-lived tree.  Allocation-heavy: the heap grows and shrinks all the
 * time.  Usage: bintrees [MAXDEPTH] (default 16). */
#include <stdio.h>
#include <stdlib.h>

struct node {
    struct node *left, *right;
};

static struct node *build(int depth)
{
    struct node *n = malloc(sizeof(*n));
    if (!n) {
        perror("malloc");
        exit(1);
    }
    n->left = depth > 0 ? build(depth - 1) : NULL;
    n->right = depth > 0 ? build(depth - 1) : NULL;
    return n;
}

static long check(const struct node *n)
{
    return 1 + (n->left ? check(n->left) + check(n->right) : 0);
}

static void destroy(struct node *n)
{
    if (n->left) {
        destroy(n->left);
        destroy(n->right);
    }
    free(n);
}

int main(int argc, char **argv)
{
    int min_depth = 4, max_depth = argc > 1 ? atoi(argv[1]) : 16;
    if (max_depth < min_depth + 2)
        max_depth = min_depth + 2;
    struct node *stretch = build(max_depth + 1);
    printf("stretch tree of depth %d\t check: %ld\n", max_depth + 1, check(stretch));
    destroy(stretch);
    struct node *long_lived = build(max_depth);
    for (int d = min_depth; d <= max_depth; d += 2) {
        long iterations = 1L << (max_depth - d + min_depth), sum = 0;
        for (long i = 0; i < iterations; i++) {
            struct node *t = build(d);
            sum += check(t);
            destroy(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, d, sum);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    destroy(long_lived);
    return 0;
}
