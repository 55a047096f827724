/* Logging to stderr with a level and a timestamp; the daemon's only log sink (it runs without systemd). */
#ifndef HUSK_BASE_LOG_H
#define HUSK_BASE_LOG_H

enum husk_log_level { HUSK_LOG_ERROR, HUSK_LOG_WARN, HUSK_LOG_INFO, HUSK_LOG_DEBUG };

void husk_log_set_level(enum husk_log_level level);
void husk_log(enum husk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) husk_log(HUSK_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  husk_log(HUSK_LOG_WARN, __VA_ARGS__)
#define log_info(...)  husk_log(HUSK_LOG_INFO, __VA_ARGS__)
#define log_debug(...) husk_log(HUSK_LOG_DEBUG, __VA_ARGS__)

#endif
