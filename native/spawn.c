/* spawn(spec): clone + exec with a fixed recipe. Everything the child needs is
 * prepared before the clone. The child shares our memory and we are suspended until
 * it has exec'd or exited (CLONE_VM | CLONE_VFORK, as posix_spawn does): no page
 * tables are copied, which a fork of a large Node process pays milliseconds for.
 * So the child makes only raw system calls (no malloc, no locks, nothing that uses
 * our thread's identity), on a stack of its own, and a failing step leaves
 * {stage, errno} in the report we read once we run again. */
#include "steward.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum stage {
  STAGE_SIGNALS = 1,
  STAGE_PDEATHSIG,
  STAGE_SETSID,
  STAGE_SETPGID,
  STAGE_CGROUP,
  STAGE_RLIMIT,
  STAGE_SETGROUPS,
  STAGE_SETGID,
  STAGE_SETUID,
  STAGE_CHDIR,
  STAGE_DUP,
  STAGE_EXECVE,
};

static const char *stage_name(int stage) {
  switch (stage) {
    case STAGE_SIGNALS: return "signals";
    case STAGE_PDEATHSIG: return "pdeathsig";
    case STAGE_SETSID: return "setsid";
    case STAGE_SETPGID: return "setpgid";
    case STAGE_CGROUP: return "cgroup";
    case STAGE_RLIMIT: return "rlimit";
    case STAGE_SETGROUPS: return "setgroups";
    case STAGE_SETGID: return "setgid";
    case STAGE_SETUID: return "setuid";
    case STAGE_CHDIR: return "chdir";
    case STAGE_DUP: return "dup";
    case STAGE_EXECVE: return "execve";
    default: return "spawn";
  }
}

struct limit {
  int resource;
  struct rlimit value;
};

struct plan {
  char *file;
  char **argv;
  char **envp;        /* owned strings, with room for the PID placeholders */
  char *listen_pid;   /* points into envp: "LISTEN_PID=" + room for digits */
  char *watchdog_pid; /* likewise */
  char *cwd;
  char *cgroup_procs; /* "<dir>/cgroup.procs" */
  int *fds;
  size_t nfds;
  int *flag_fds; /* child fds whose O_NONBLOCK is set to `nonblocking` */
  size_t nflag_fds;
  bool nonblocking;
  bool new_session, new_pgroup;
  bool set_uid, set_gid, set_groups, set_umask;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  mode_t umask;
  struct limit *limits;
  size_t nlimits;
  int pdeathsig;
};

struct report {
  int stage;
  int err;
};

#define PID_PLACEHOLDER_DIGITS 12

static void free_plan(struct plan *p) {
  free(p->file);
  free_string_array(p->argv);
  free_string_array(p->envp);
  free(p->cwd);
  free(p->cgroup_procs);
  free(p->fds);
  free(p->flag_fds);
  free(p->groups);
  free(p->limits);
}

/* What the child hands back, in memory we share with it. */
struct child_args {
  struct plan *plan;
  pid_t parent;
  volatile struct report report;
};

static _Noreturn void child_fail(struct child_args *a, int stage) {
  a->report.err = errno;
  a->report.stage = stage;
  syscall(SYS_exit_group, 127); /* not exit(): that would run our atexit handlers in shared memory */
  __builtin_unreachable();
}

/* Writes the decimal PID after the '=' of a placeholder entry. */
static void fill_pid(char *entry, pid_t pid) {
  char digits[PID_PLACEHOLDER_DIGITS];
  int n = 0;
  do {
    digits[n++] = (char)('0' + pid % 10);
    pid /= 10;
  } while (pid > 0 && n < PID_PLACEHOLDER_DIGITS - 1);
  char *out = strchr(entry, '=') + 1;
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

/* glibc's setuid() and friends broadcast to every thread of the process it believes it
 * is (ours), and raise() signals the thread it believes it runs on (ours): raw calls. */
static int run_child(void *arg) {
  struct child_args *a = arg;
  struct plan *p = a->plan;
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    sigaction(sig, &dfl, NULL); /* fails harmlessly for the signals libc reserves */
  }
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) child_fail(a, STAGE_SIGNALS);

  if (p->pdeathsig > 0) {
    if (prctl(PR_SET_PDEATHSIG, p->pdeathsig) < 0) child_fail(a, STAGE_PDEATHSIG);
    if (syscall(SYS_getppid) != a->parent) syscall(SYS_kill, syscall(SYS_getpid), p->pdeathsig); /* the parent died before prctl */
  }
  if (p->new_session && setsid() < 0) child_fail(a, STAGE_SETSID);
  if (p->new_pgroup && setpgid(0, 0) < 0) child_fail(a, STAGE_SETPGID);

  if (p->cgroup_procs) {
    int fd = open(p->cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail(a, STAGE_CGROUP);
    if (write(fd, "0", 1) != 1) child_fail(a, STAGE_CGROUP); /* "0" means the writer */
    close(fd);
  }
  for (size_t i = 0; i < p->nlimits; i++)
    if (setrlimit(p->limits[i].resource, &p->limits[i].value) < 0) child_fail(a, STAGE_RLIMIT);
  if (p->set_groups && syscall(SYS_setgroups, p->ngroups, p->groups) < 0) child_fail(a, STAGE_SETGROUPS);
  if (p->set_gid && syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0) child_fail(a, STAGE_SETGID);
  if (p->set_uid && syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0) child_fail(a, STAGE_SETUID);
  if (p->set_umask) umask(p->umask);
  if (p->cwd && chdir(p->cwd) < 0) child_fail(a, STAGE_CHDIR);

  /* fd layout: first lift every source above the target range, so that no dup2
   * overwrites a source still to be placed. */
  int top = (int)p->nfds;
  int lifted[p->nfds > 0 ? p->nfds : 1];
  for (size_t i = 0; i < p->nfds; i++) {
    lifted[i] = -1;
    if (p->fds[i] < 0) continue;
    lifted[i] = fcntl(p->fds[i], F_DUPFD_CLOEXEC, top);
    if (lifted[i] < 0) child_fail(a, STAGE_DUP);
  }
  for (size_t i = 0; i < p->nfds; i++) {
    if (lifted[i] < 0) {
      close((int)i);
    } else if (dup2(lifted[i], (int)i) < 0) { /* dup2 clears FD_CLOEXEC on the copy */
      child_fail(a, STAGE_DUP);
    }
  }
  /* Everything above the layout goes (the child has an fd table of its own). */
  if (syscall(SYS_close_range, (unsigned)top, ~0U, 0) < 0) {
    struct rlimit files;
    int max = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 65536 ? (int)files.rlim_cur : 65536;
    for (int fd = top; fd < max; fd++) close(fd);
  }

  for (size_t i = 0; i < p->nflag_fds; i++) {
    int flags = fcntl(p->flag_fds[i], F_GETFL);
    if (flags < 0) continue; /* not in the layout */
    int wanted = p->nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
    if (wanted != flags && fcntl(p->flag_fds[i], F_SETFL, wanted) < 0) child_fail(a, STAGE_DUP);
  }

  pid_t self = (pid_t)syscall(SYS_getpid);
  if (p->listen_pid) fill_pid(p->listen_pid, self);
  if (p->watchdog_pid) fill_pid(p->watchdog_pid, self);
  execve(p->file, p->argv, p->envp);
  child_fail(a, STAGE_EXECVE);
}

/* Appends "NAME=" plus room for a PID to the environment vector. */
static char *add_pid_placeholder(char ***envp, size_t *count, const char *name) {
  char **grown = realloc(*envp, sizeof(char *) * (*count + 2));
  if (!grown) return NULL;
  *envp = grown;
  size_t len = strlen(name);
  char *entry = calloc(len + 1 + PID_PLACEHOLDER_DIGITS + 1, 1);
  if (!entry) return NULL;
  memcpy(entry, name, len);
  entry[len] = '=';
  grown[(*count)++] = entry;
  grown[*count] = NULL;
  return entry;
}

static bool read_limits(napi_env env, napi_value arr, struct plan *p) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return throw_type(env, "rlimits must be an array"), false;
  p->limits = calloc(n ? n : 1, sizeof *p->limits);
  p->nlimits = n;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item, v;
    bool present;
    int64_t soft, hard;
    napi_get_element(env, arr, i, &item);
    if (!get_prop(env, item, "resource", &v, &present) || !get_int(env, v, "rlimit.resource", &p->limits[i].resource))
      return false;
    if (!get_prop(env, item, "soft", &v, &present) || !get_int64(env, v, "rlimit.soft", &soft)) return false;
    if (!get_prop(env, item, "hard", &v, &present) || !get_int64(env, v, "rlimit.hard", &hard)) return false;
    p->limits[i].value.rlim_cur = soft < 0 ? RLIM_INFINITY : (rlim_t)soft;
    p->limits[i].value.rlim_max = hard < 0 ? RLIM_INFINITY : (rlim_t)hard;
  }
  return true;
}

static bool read_plan(napi_env env, napi_value spec, struct plan *p) {
  napi_value v;
  bool present;
  size_t env_count = 0;

  if (!get_prop(env, spec, "file", &v, &present) || !(p->file = get_string(env, v, "file", NULL))) return false;
  if (p->file[0] != '/') return throw_type(env, "file must be an absolute path"), false;
  if (!get_prop(env, spec, "argv", &v, &present) || !(p->argv = get_string_array(env, v, "argv", NULL))) return false;
  if (!get_prop(env, spec, "env", &v, &present) || !(p->envp = get_string_array(env, v, "env", &env_count)))
    return false;
  if (!get_prop(env, spec, "fds", &v, &present)) return false;
  if (present && !get_int_array(env, v, "fds", &p->fds, &p->nfds)) return false;

  if (!get_prop(env, spec, "flagFds", &v, &present)) return false;
  if (present && !get_int_array(env, v, "flagFds", &p->flag_fds, &p->nflag_fds)) return false;
  if (!get_prop(env, spec, "nonBlocking", &v, &present)) return false;
  if (present && !get_bool(env, v, "nonBlocking", &p->nonblocking)) return false;

  if (!get_prop(env, spec, "cwd", &v, &present)) return false;
  if (present && !(p->cwd = get_string(env, v, "cwd", NULL))) return false;
  if (!get_prop(env, spec, "cgroup", &v, &present)) return false;
  if (present) {
    char *dir = get_string(env, v, "cgroup", NULL);
    if (!dir) return false;
    size_t len = strlen(dir) + sizeof "/cgroup.procs";
    p->cgroup_procs = malloc(len);
    snprintf(p->cgroup_procs, len, "%s/cgroup.procs", dir);
    free(dir);
  }

  if (!get_prop(env, spec, "newSession", &v, &present)) return false;
  if (present && !get_bool(env, v, "newSession", &p->new_session)) return false;
  if (!get_prop(env, spec, "newProcessGroup", &v, &present)) return false;
  if (present && !get_bool(env, v, "newProcessGroup", &p->new_pgroup)) return false;

  uint32_t n;
  if (!get_prop(env, spec, "uid", &v, &present)) return false;
  if (present) {
    if (!get_uint32(env, v, "uid", &n)) return false;
    p->set_uid = true, p->uid = n;
  }
  if (!get_prop(env, spec, "gid", &v, &present)) return false;
  if (present) {
    if (!get_uint32(env, v, "gid", &n)) return false;
    p->set_gid = true, p->gid = n;
  }
  if (!get_prop(env, spec, "groups", &v, &present)) return false;
  if (present) {
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    if (!is_array) return throw_type(env, "groups must be an array of group IDs"), false;
    uint32_t count;
    napi_get_array_length(env, v, &count);
    p->groups = calloc(count ? count : 1, sizeof(gid_t));
    p->ngroups = count;
    for (uint32_t i = 0; i < count; i++) {
      napi_value item;
      napi_get_element(env, v, i, &item);
      if (!get_uint32(env, item, "groups", &n)) return false;
      p->groups[i] = (gid_t)n;
    }
    p->set_groups = true;
  }
  if (!get_prop(env, spec, "umask", &v, &present)) return false;
  if (present) {
    if (!get_uint32(env, v, "umask", &n)) return false;
    p->set_umask = true, p->umask = (mode_t)(n & 0777);
  }
  if (!get_prop(env, spec, "pdeathsig", &v, &present)) return false;
  if (present && !get_int(env, v, "pdeathsig", &p->pdeathsig)) return false;
  if (!get_prop(env, spec, "rlimits", &v, &present)) return false;
  if (present && !read_limits(env, v, p)) return false;

  bool flag = false;
  if (!get_prop(env, spec, "setListenPid", &v, &present)) return false;
  if (present && get_bool(env, v, "setListenPid", &flag) && flag)
    p->listen_pid = add_pid_placeholder(&p->envp, &env_count, "LISTEN_PID");
  flag = false;
  if (!get_prop(env, spec, "setWatchdogPid", &v, &present)) return false;
  if (present && get_bool(env, v, "setWatchdogPid", &flag) && flag)
    p->watchdog_pid = add_pid_placeholder(&p->envp, &env_count, "WATCHDOG_PID");
  return true;
}

static napi_value spawn_error(napi_env env, struct report r) {
  const char *stage = stage_name(r.stage);
  throw_errno(env, stage, r.err);
  napi_value error;
  napi_get_and_clear_last_exception(env, &error);
  set_named(env, error, "stage", make_string(env, stage));
  napi_throw(env, error);
  return NULL;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  struct plan p;
  memset(&p, 0, sizeof p);
  if (!read_plan(env, argv[0], &p)) {
    free_plan(&p);
    return NULL;
  }

  /* The child's stack: its own, since we are suspended on ours meanwhile. The fd
   * layout's array lives there too. */
  size_t stack_size = 256 * 1024 + p.nfds * sizeof(int);
  void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) {
    free_plan(&p);
    return throw_errno(env, "mmap", errno);
  }
  struct child_args args = {.plan = &p, .parent = getpid(), .report = {0, 0}};
  /* Block every signal across the clone so that no handler of ours runs in the child
   * before it has reset the dispositions (it has a copy of them: no CLONE_SIGHAND). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(run_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  munmap(stack, stack_size);
  free_plan(&p);
  if (pid < 0) return throw_errno(env, "fork", clone_errno);

  struct report r = {args.report.stage, args.report.err};
  if (r.stage != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return spawn_error(env, r);
  }
  /* Nothing else reaps on this thread before we return, so the PID is still ours. */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  napi_value result;
  napi_create_object(env, &result);
  set_named(env, result, "pid", make_int(env, pid));
  set_named(env, result, "pidfd", make_int(env, pidfd));
  return result;
}

/* execReplace(file, argv, env, keep): this process becomes `file` (execve); returns only
 * by throwing, with the errno. For the manager to restart itself with V8 flags. The fds
 * in `keep` lose close-on-exec first (Node marks even stdio so). */
static napi_value js_exec_replace(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!arg_count(env, info, 4, argv, NULL)) return NULL;
  int *keep = NULL;
  size_t nkeep = 0;
  if (!get_int_array(env, argv[3], "keep", &keep, &nkeep)) return NULL;
  char *file = get_string(env, argv[0], "file", NULL);
  char **args = file ? get_string_array(env, argv[1], "argv", NULL) : NULL;
  char **envp = args ? get_string_array(env, argv[2], "env", NULL) : NULL;
  if (envp) {
    for (size_t i = 0; i < nkeep; i++) {
      int flags = fcntl(keep[i], F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC)) fcntl(keep[i], F_SETFD, flags & ~FD_CLOEXEC);
    }
    execve(file, args, envp);
  }
  int err = errno;
  free(keep);
  free(file);
  free_string_array(args);
  free_string_array(envp);
  if (!envp) return NULL; /* the type error is pending */
  return throw_errno(env, "execve", err);
}

void register_spawn(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "execReplace", js_exec_replace);
  EXPORT_FN(env, exports, "spawn", js_spawn);
}
