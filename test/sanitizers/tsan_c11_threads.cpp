// ThreadSanitizer builds only (linked into every executable by coupon_target_setup). Debian's librdkafka uses
// C11 threads, and glibc implements thrd_create, mtx_lock and cnd_wait by calling pthread internals directly,
// past TSan's interceptors: TSan then crashes in the first allocation of a librdkafka thread it never saw
// start, and it would not see librdkafka's mutexes order anything. These definitions come first in symbol
// lookup (the executable) and forward to the pthread calls TSan intercepts. glibc's C11 types are its
// pthread types (thrd_t is pthread_t, mtx_t and cnd_t wrap pthread_mutex_t and pthread_cond_t).
#include <errno.h>
#include <pthread.h>
#include <threads.h>

#include <cstdint>

namespace {

struct Start {
    thrd_start_t func;
    void* arg;
};

void* run(void* p) {
    const Start start = *static_cast<Start*>(p);
    delete static_cast<Start*>(p);
    return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.func(start.arg)));
}

int result(int rc) {
    if (rc == 0) return thrd_success;
    if (rc == ENOMEM) return thrd_nomem;
    if (rc == EBUSY) return thrd_busy;
    if (rc == ETIMEDOUT) return thrd_timedout;
    return thrd_error;
}

pthread_mutex_t* native(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* native(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t) && sizeof(cnd_t) == sizeof(pthread_cond_t));

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t func, void* arg) {
    auto* start = new Start{func, arg};
    pthread_t id;
    const int rc = pthread_create(&id, nullptr, run, start);
    if (rc != 0) {
        delete start;
        return result(rc);
    }
    *thread = id;
    return thrd_success;
}

int thrd_join(thrd_t thread, int* res) {
    void* value = nullptr;
    const int rc = pthread_join(thread, &value);
    if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
    return result(rc);
}

int thrd_detach(thrd_t thread) { return result(pthread_detach(thread)); }

int mtx_init(mtx_t* m, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    const int rc = pthread_mutex_init(native(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return result(rc);
}

int mtx_lock(mtx_t* m) { return result(pthread_mutex_lock(native(m))); }
int mtx_trylock(mtx_t* m) { return result(pthread_mutex_trylock(native(m))); }
int mtx_timedlock(mtx_t* m, const struct timespec* until) { return result(pthread_mutex_timedlock(native(m), until)); }
int mtx_unlock(mtx_t* m) { return result(pthread_mutex_unlock(native(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(native(m)); }

int cnd_init(cnd_t* c) { return result(pthread_cond_init(native(c), nullptr)); }
int cnd_signal(cnd_t* c) { return result(pthread_cond_signal(native(c))); }
int cnd_broadcast(cnd_t* c) { return result(pthread_cond_broadcast(native(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return result(pthread_cond_wait(native(c), native(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* until) {
    return result(pthread_cond_timedwait(native(c), native(m), until));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(native(c)); }

}  // extern "C"
