/* Listening sockets and FIFOs as socket units define them, and inspection of
 * any fd (what kind of object, which address). Addresses are numeric here;
 * names are resolved, and defaults chosen, in TypeScript. */
#include "steward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Fills a sockaddr_un from "/path" or "@abstract"; false (errno set) if it does not fit. */
bool unix_address(const char *address, struct sockaddr_un *sa, socklen_t *len) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  size_t n = strlen(address);
  if (n == 0 || (address[0] != '/' && address[0] != '@')) {
    errno = EINVAL;
    return false;
  }
  if (n > sizeof sa->sun_path - (address[0] == '/' ? 1 : 0)) {
    errno = ENAMETOOLONG;
    return false;
  }
  memcpy(sa->sun_path, address, n);
  if (address[0] == '@') {
    sa->sun_path[0] = '\0'; /* abstract: the length covers the name, no trailing NUL */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
  } else {
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
  }
  return true;
}

struct socket_spec {
  int family, type;
  char *host, *path;
  int port, backlog;
  bool listen, reuse_port, reuse_addr, non_blocking;
  int ipv6_only; /* -1: kernel default */
  int mode, uid, gid; /* -1: leave as is (unix paths only) */
};

static int parse_enum(const char *value, const char *const names[], const int values[], int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(value, names[i]) == 0) return values[i];
  return -1;
}

static bool read_spec(napi_env env, napi_value obj, struct socket_spec *s) {
  static const char *const family_names[] = {"inet", "inet6", "unix"};
  static const int family_values[] = {AF_INET, AF_INET6, AF_UNIX};
  static const char *const type_names[] = {"stream", "dgram", "seqpacket"};
  static const int type_values[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  napi_value v;
  bool present, flag;
  char *text;

  if (!get_prop(env, obj, "family", &v, &present) || !(text = get_string(env, v, "family", NULL))) return false;
  s->family = parse_enum(text, family_names, family_values, 3);
  free(text);
  if (!get_prop(env, obj, "type", &v, &present) || !(text = get_string(env, v, "type", NULL))) return false;
  s->type = parse_enum(text, type_names, type_values, 3);
  free(text);
  if (s->family < 0 || s->type < 0) return throw_type(env, "unknown socket family or type"), false;

  if (!get_prop(env, obj, "host", &v, &present)) return false;
  if (present && !(s->host = get_string(env, v, "host", NULL))) return false;
  if (!get_prop(env, obj, "path", &v, &present)) return false;
  if (present && !(s->path = get_string(env, v, "path", NULL))) return false;
#define INT_OPTION(key, field, fallback)                                           \
  s->field = fallback;                                                             \
  if (!get_prop(env, obj, key, &v, &present)) return false;                        \
  if (present && !get_int(env, v, key, &s->field)) return false;
#define BOOL_OPTION(key, field, fallback)                                          \
  s->field = fallback;                                                             \
  if (!get_prop(env, obj, key, &v, &present)) return false;                        \
  if (present) {                                                                   \
    if (!get_bool(env, v, key, &flag)) return false;                               \
    s->field = flag;                                                               \
  }
  INT_OPTION("port", port, 0)
  INT_OPTION("backlog", backlog, SOMAXCONN)
  INT_OPTION("mode", mode, -1)
  INT_OPTION("uid", uid, -1)
  INT_OPTION("gid", gid, -1)
  BOOL_OPTION("listen", listen, s->type != SOCK_DGRAM)
  BOOL_OPTION("reusePort", reuse_port, false)
  BOOL_OPTION("reuseAddress", reuse_addr, s->family != AF_UNIX)
  BOOL_OPTION("nonBlocking", non_blocking, true)
  s->ipv6_only = -1;
  if (!get_prop(env, obj, "ipv6Only", &v, &present)) return false;
  if (present) {
    if (!get_bool(env, v, "ipv6Only", &flag)) return false;
    s->ipv6_only = flag;
  }
#undef INT_OPTION
#undef BOOL_OPTION
  return true;
}

/* Builds the bind address; returns the errno to report, or 0. */
static int build_address(const struct socket_spec *s, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (s->family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)s->port);
    in->sin_addr.s_addr = htonl(INADDR_ANY);
    if (s->host && s->host[0] && inet_pton(AF_INET, s->host, &in->sin_addr) != 1) return EINVAL;
    *len = sizeof *in;
  } else if (s->family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)s->port);
    in6->sin6_addr = in6addr_any;
    if (s->host && s->host[0] && inet_pton(AF_INET6, s->host, &in6->sin6_addr) != 1) return EINVAL;
    *len = sizeof *in6;
  } else {
    if (!s->path || !unix_address(s->path, (struct sockaddr_un *)ss, len)) return s->path ? errno : EINVAL;
  }
  return 0;
}

/* socketCreate(spec) -> fd: bound, listening where the type listens, close-on-exec. */
static napi_value js_socket_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!arg_count(env, info, 1, argv, NULL)) return NULL;
  struct socket_spec s;
  memset(&s, 0, sizeof s);
  napi_value result = NULL;
  const char *failed = NULL;
  int err = 0, fd = -1, one = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  if (!read_spec(env, argv[0], &s)) goto out;
  if ((err = build_address(&s, &ss, &len))) {
    failed = "bind";
    goto out;
  }
  fd = socket(s.family, s.type | SOCK_CLOEXEC | (s.non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) {
    failed = "socket", err = errno;
    goto out;
  }
  if (s.reuse_addr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    failed = "setsockopt(SO_REUSEADDR)", err = errno;
    goto out;
  }
  if (s.reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    failed = "setsockopt(SO_REUSEPORT)", err = errno;
    goto out;
  }
  if (s.family == AF_INET6 && s.ipv6_only >= 0 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &s.ipv6_only, sizeof s.ipv6_only) < 0) {
    failed = "setsockopt(IPV6_V6ONLY)", err = errno;
    goto out;
  }
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
    failed = "bind", err = errno;
    goto out;
  }
  /* Mode and owner are set before listen(): until then nobody can connect. */
  if (s.family == AF_UNIX && s.path[0] == '/') {
    if (s.mode >= 0 && chmod(s.path, (mode_t)s.mode) < 0) {
      failed = "chmod", err = errno;
      goto out;
    }
    if ((s.uid >= 0 || s.gid >= 0) && chown(s.path, (uid_t)s.uid, (gid_t)s.gid) < 0) {
      failed = "chown", err = errno;
      goto out;
    }
  }
  if (s.listen && listen(fd, s.backlog) < 0) {
    failed = "listen", err = errno;
    goto out;
  }
  result = make_int(env, fd);
  fd = -1;
out:
  if (fd >= 0) close(fd);
  free(s.host);
  free(s.path);
  if (failed) return throw_errno(env, failed, err);
  return result;
}

/* fifoCreate(path, mode, uid, gid) -> fd opened O_RDWR, so that it never reads EOF
 * when the last writer goes. An existing FIFO is reused; anything else is EEXIST. */
static napi_value js_fifo_create(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int mode, uid, gid;
  if (!arg_count(env, info, 4, argv, NULL) || !get_int(env, argv[1], "mode", &mode) ||
      !get_int(env, argv[2], "uid", &uid) || !get_int(env, argv[3], "gid", &gid))
    return NULL;
  char *path = get_string(env, argv[0], "path", NULL);
  if (!path) return NULL;
  const char *failed = NULL;
  int err = 0, fd = -1;
  struct stat st;
  if (mkfifo(path, (mode_t)mode) < 0 && errno != EEXIST) failed = "mkfifo", err = errno;
  else if (lstat(path, &st) < 0) failed = "lstat", err = errno;
  else if (!S_ISFIFO(st.st_mode)) failed = "mkfifo", err = EEXIST;
  else if (chmod(path, (mode_t)mode) < 0) failed = "chmod", err = errno;
  else if ((uid >= 0 || gid >= 0) && chown(path, (uid_t)uid, (gid_t)gid) < 0) failed = "chown", err = errno;
  else if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0) failed = "open", err = errno;
  free(path);
  if (failed) return throw_errno(env, failed, err);
  return make_int(env, fd);
}

static void describe_address(napi_env env, napi_value obj, const char *prefix, struct sockaddr_storage *ss,
                             socklen_t len) {
  char host[INET6_ADDRSTRLEN + 1] = "";
  char key[32];
  napi_value port;
  napi_get_null(env, &port);
  if (ss->ss_family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = make_int(env, ntohs(in->sin_port));
  } else if (ss->ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = make_int(env, ntohs(in6->sin6_port));
  } else if (ss->ss_family == AF_UNIX) {
    struct sockaddr_un *un = (struct sockaddr_un *)ss;
    size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
    napi_value path;
    if (n > 0 && un->sun_path[0] == '\0') { /* abstract: '@' and exactly n-1 name bytes */
      char name[sizeof un->sun_path + 1];
      name[0] = '@';
      memcpy(name + 1, un->sun_path + 1, n - 1);
      napi_create_string_utf8(env, name, n, &path);
    } else {
      napi_create_string_utf8(env, un->sun_path, strnlen(un->sun_path, n), &path);
    }
    snprintf(key, sizeof key, "%sAddress", prefix);
    set_named(env, obj, key, path);
    snprintf(key, sizeof key, "%sPort", prefix);
    set_named(env, obj, key, port);
    return;
  }
  snprintf(key, sizeof key, "%sAddress", prefix);
  set_named(env, obj, key, make_string(env, host));
  snprintf(key, sizeof key, "%sPort", prefix);
  set_named(env, obj, key, port);
}

/* Sets <local>Address/Port from getsockname() and <peer>Address/Port from getpeername()
 * (null when the socket has no peer). */
static void describe_ends(napi_env env, napi_value obj, int fd, const char *peer) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) describe_address(env, obj, "local", &ss, len);
  len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
    describe_address(env, obj, peer, &ss, len);
    return;
  }
  char key[32];
  napi_value none;
  napi_get_null(env, &none);
  snprintf(key, sizeof key, "%sAddress", peer);
  set_named(env, obj, key, none);
  snprintf(key, sizeof key, "%sPort", peer);
  set_named(env, obj, key, none);
}

static const char *file_type(mode_t mode) {
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISCHR(mode)) return "char";
  if (S_ISBLK(mode)) return "block";
  if (S_ISLNK(mode)) return "link";
  return "unknown";
}

/* fdInspect(fd) -> {type, size, socket?: {family, type, listening, localAddress,
 * localPort, peerAddress, peerPort}}. Address strings are numeric; a unix
 * address is its path, '@name', or "" when unnamed. */
static napi_value js_fd_inspect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  struct stat st;
  if (fstat(fd, &st) < 0) return throw_errno(env, "fstat", errno);
  napi_value result, sock, v;
  napi_create_object(env, &result);
  set_named(env, result, "type", make_string(env, file_type(st.st_mode)));
  set_named(env, result, "size", make_int(env, st.st_size));
  if (!S_ISSOCK(st.st_mode)) return result;

  int domain = 0, type = 0, accepting = 0;
  socklen_t optlen = sizeof domain;
  getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &optlen);
  optlen = sizeof type;
  getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen);
  optlen = sizeof accepting;
  getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &optlen);
  napi_create_object(env, &sock);
  const char *family = domain == AF_INET ? "inet" : domain == AF_INET6 ? "inet6" : domain == AF_UNIX ? "unix"
                     : domain == AF_NETLINK ? "netlink" : "other";
  const char *kind = type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram"
                   : type == SOCK_SEQPACKET ? "seqpacket" : type == SOCK_RAW ? "raw" : "other";
  set_named(env, sock, "family", make_string(env, family));
  set_named(env, sock, "type", make_string(env, kind));
  napi_get_boolean(env, accepting != 0, &v);
  set_named(env, sock, "listening", v);
  describe_ends(env, sock, fd, "peer");
  set_named(env, result, "socket", sock);
  return result;
}

/* socketAccept(fd) -> {fd, family, localAddress, localPort, remoteAddress, remotePort,
 * credentials: {pid, uid} | null} for Accept=yes: one connection from a listener, never
 * blocking (EAGAIN when none waits, even on a blocking listener: the manager must not
 * wait). The connection fd is close-on-exec and blocking, as an inetd-style program
 * expects its socket. Credentials are SO_PEERCRED, for unix sockets only (null when the
 * peer is in another namespace). */
static napi_value js_socket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  struct pollfd waiting = {.fd = fd, .events = POLLIN};
  int ready;
  do ready = poll(&waiting, 1, 0);
  while (ready < 0 && errno == EINTR);
  if (ready < 0) return throw_errno(env, "poll", errno);
  if (ready == 0 || !(waiting.revents & POLLIN)) return throw_errno(env, "accept", EAGAIN);
  int conn;
  do conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  while (conn < 0 && errno == EINTR);
  if (conn < 0) return throw_errno(env, "accept", errno);
  int flags = fcntl(conn, F_GETFL);
  if (flags >= 0) fcntl(conn, F_SETFL, flags & ~O_NONBLOCK);

  napi_value result, v;
  napi_create_object(env, &result);
  set_named(env, result, "fd", make_int(env, conn));
  int domain = 0;
  socklen_t optlen = sizeof domain;
  getsockopt(conn, SOL_SOCKET, SO_DOMAIN, &domain, &optlen);
  set_named(env, result, "family", make_string(env, domain == AF_INET ? "inet" : domain == AF_INET6 ? "inet6" : "unix"));
  describe_ends(env, result, conn, "remote");
  napi_get_null(env, &v);
  if (domain == AF_UNIX) {
    struct ucred cred;
    socklen_t clen = sizeof cred;
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 && cred.pid > 0) {
      napi_create_object(env, &v);
      set_named(env, v, "pid", make_int(env, cred.pid));
      set_named(env, v, "uid", make_int(env, (int)cred.uid));
    }
  }
  set_named(env, result, "credentials", v);
  return result;
}

/* peerCredentials(fd) -> {pid, uid, gid} of a connected unix socket's peer (SO_PEERCRED). */
static napi_value js_peer_credentials(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!arg_count(env, info, 1, argv, NULL) || !get_int(env, argv[0], "fd", &fd)) return NULL;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
  napi_value result;
  napi_create_object(env, &result);
  set_named(env, result, "pid", make_int(env, cred.pid));
  set_named(env, result, "uid", make_int(env, cred.uid));
  set_named(env, result, "gid", make_int(env, cred.gid));
  return result;
}

void register_sockets(napi_env env, napi_value exports) {
  EXPORT_FN(env, exports, "peerCredentials", js_peer_credentials);
  EXPORT_FN(env, exports, "socketAccept", js_socket_accept);
  EXPORT_FN(env, exports, "socketCreate", js_socket_create);
  EXPORT_FN(env, exports, "fifoCreate", js_fifo_create);
  EXPORT_FN(env, exports, "fdInspect", js_fd_inspect);
}
