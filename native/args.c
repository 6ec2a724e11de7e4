/* Conversions between N-API values and C values. Each getter throws a
 * TypeError naming the argument and returns false (or NULL) on mismatch. */
#include "steward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool type_error(napi_env env, const char *what, const char *expected) {
  char message[160];
  snprintf(message, sizeof message, "%s must be %s", what, expected);
  throw_type(env, message);
  return false;
}

bool arg_count(napi_env env, napi_callback_info info, size_t want, napi_value *argv, napi_value *this_arg) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, this_arg, NULL) != napi_ok) return false;
  if (argc < want) {
    char message[80];
    snprintf(message, sizeof message, "expected %zu arguments, got %zu", want, argc);
    throw_type(env, message);
    return false;
  }
  return true;
}

bool get_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t != napi_number) return type_error(env, what, "a number");
  double d;
  napi_get_value_double(env, v, &d);
  if (d != (double)(int64_t)d) return type_error(env, what, "an integer");
  *out = (int64_t)d;
  return true;
}

bool get_int(napi_env env, napi_value v, const char *what, int *out) {
  int64_t n;
  if (!get_int64(env, v, what, &n)) return false;
  if (n < INT32_MIN || n > INT32_MAX) return type_error(env, what, "a 32-bit integer");
  *out = (int)n;
  return true;
}

bool get_uint32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  int64_t n;
  if (!get_int64(env, v, what, &n)) return false;
  if (n < 0 || n > UINT32_MAX) return type_error(env, what, "an unsigned 32-bit integer");
  *out = (uint32_t)n;
  return true;
}

bool get_bool(napi_env env, napi_value v, const char *what, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) return type_error(env, what, "a boolean");
  return true;
}

char *get_string(napi_env env, napi_value v, const char *what, size_t *len_out) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    type_error(env, what, "a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    throw_type(env, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) {
    free(s);
    type_error(env, what, "a string without NUL bytes");
    return NULL;
  }
  if (len_out) *len_out = len;
  return s;
}

void free_string_array(char **strv) {
  if (!strv) return;
  for (char **p = strv; *p; p++) free(*p);
  free(strv);
}

char **get_string_array(napi_env env, napi_value v, const char *what, size_t *count_out) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  if (!is_array) {
    type_error(env, what, "an array of strings");
    return NULL;
  }
  uint32_t n;
  napi_get_array_length(env, v, &n);
  char **strv = calloc((size_t)n + 1, sizeof(char *));
  if (!strv) {
    throw_type(env, "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, v, i, &item);
    strv[i] = get_string(env, item, what, NULL);
    if (!strv[i]) {
      free_string_array(strv);
      return NULL;
    }
  }
  if (count_out) *count_out = n;
  return strv;
}

bool get_int_array(napi_env env, napi_value v, const char *what, int **out, size_t *count_out) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  if (!is_array) return type_error(env, what, "an array of integers");
  uint32_t n;
  napi_get_array_length(env, v, &n);
  int *ints = NULL;
  if (n > 0) {
    ints = malloc(sizeof(int) * n);
    if (!ints) return type_error(env, what, "smaller (out of memory)");
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, v, i, &item);
    if (!get_int(env, item, what, &ints[i])) {
      free(ints);
      return false;
    }
  }
  *out = ints;
  *count_out = n;
  return true;
}

bool get_prop(napi_env env, napi_value obj, const char *key, napi_value *out, bool *present) {
  if (napi_get_named_property(env, obj, key, out) != napi_ok) return false;
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  *present = t != napi_undefined && t != napi_null;
  return true;
}

napi_value make_int(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

napi_value make_int_array(napi_env env, const int *ints, size_t n) {
  napi_value arr;
  napi_create_array_with_length(env, n, &arr);
  for (size_t i = 0; i < n; i++) napi_set_element(env, arr, (uint32_t)i, make_int(env, ints[i]));
  return arr;
}

void set_named(napi_env env, napi_value obj, const char *key, napi_value value) {
  napi_set_named_property(env, obj, key, value);
}
