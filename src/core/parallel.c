/* Independent pieces of work spread over the cores. */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "qc/core.h"

enum { MAX_THREADS = 8 };

struct pfor {
	void (*fn)(void *ud, size_t i);
	void *ud;
	size_t n;
	atomic_size_t next;
};

static void *worker(void *p)
{
	struct pfor *w = p;
	size_t i;
	while ((i = atomic_fetch_add(&w->next, 1)) < w->n)
		w->fn(w->ud, i);
	return NULL;
}

void qc_parallel_for(size_t n, void (*fn)(void *ud, size_t i), void *ud)
{
	struct pfor w = {.fn = fn, .ud = ud, .n = n};
	atomic_init(&w.next, 0);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t extra = cores > 1 ? (size_t)cores - 1 : 0;
	extra = extra > MAX_THREADS - 1 ? MAX_THREADS - 1 : extra;
	extra = n > 1 && extra > n - 1 ? n - 1 : (n > 1 ? extra : 0);
	pthread_t th[MAX_THREADS];
	size_t started = 0;
	for (size_t k = 0; k < extra; k++)
		if (pthread_create(&th[k], NULL, worker, &w) == 0)
			started++;
	worker(&w); /* the calling thread works too; alone if no thread could start */
	for (size_t k = 0; k < started; k++)
		pthread_join(th[k], NULL);
}
