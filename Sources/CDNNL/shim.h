#ifndef ZOETROPE_CDNNL_SHIM_H
#define ZOETROPE_CDNNL_SHIM_H
// oneDNN's C API (Debian: libdnnl-dev, built on the GNU OpenMP runtime).
#include <oneapi/dnnl/dnnl.h>

// The OpenMP runtime oneDNN already runs its thread team on. Zoetrope's own parallel loops use the
// same team, so GEMMs and elementwise work never oversubscribe the cores.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned int flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
void omp_set_num_threads(int n);
#endif
