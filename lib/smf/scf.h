// The libscf subset the daemons use (SMF.md section 12), with illumos's
// names, types and values, so property code reads the same on both
// systems:
//     scf_simple_prop_t* p = scf_simple_prop_get(nullptr, fmri, "config", "dom0-min-mem");
//     int64_t* v = p ? scf_simple_prop_next_integer(p) : nullptr;
//     scf_simple_prop_free(p);
// scf_simple_prop_get reads the instance's current (editing) property and
// then the service's - not the running snapshot, exactly like libscf.
// Changes (enable, refresh, ...) go through svc.startd's rules
// (smf_control.h); errors are reported through scf_error().
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

typedef struct scf_handle scf_handle_t;  // always NULL here: no repository daemon to bind
typedef struct scf_simple_prop scf_simple_prop_t;

typedef enum {
    SCF_TYPE_INVALID = 0,
    SCF_TYPE_BOOLEAN = 1,
    SCF_TYPE_COUNT = 2,
    SCF_TYPE_INTEGER = 3,
    SCF_TYPE_TIME = 4,
    SCF_TYPE_ASTRING = 5,
    SCF_TYPE_OPAQUE = 6,
    SCF_TYPE_USTRING = 100,
    SCF_TYPE_URI = 200,
    SCF_TYPE_FMRI = 201,
    SCF_TYPE_HOST = 300,
    SCF_TYPE_HOSTNAME = 301,
    SCF_TYPE_NET_ADDR_V4 = 302,
    SCF_TYPE_NET_ADDR_V6 = 303,
    SCF_TYPE_NET_ADDR = 304,
} scf_type_t;

typedef enum {
    SCF_ERROR_NONE = 1000,
    SCF_ERROR_NOT_BOUND = 1001,
    SCF_ERROR_NOT_SET = 1002,
    SCF_ERROR_NOT_FOUND = 1003,
    SCF_ERROR_TYPE_MISMATCH = 1004,
    SCF_ERROR_IN_USE = 1005,
    SCF_ERROR_CONNECTION_BROKEN = 1006,
    SCF_ERROR_INVALID_ARGUMENT = 1007,
    SCF_ERROR_NO_MEMORY = 1008,
    SCF_ERROR_CONSTRAINT_VIOLATED = 1009,
    SCF_ERROR_EXISTS = 1010,
    SCF_ERROR_NO_SERVER = 1011,
    SCF_ERROR_NO_RESOURCES = 1012,
    SCF_ERROR_PERMISSION_DENIED = 1013,
    SCF_ERROR_BACKEND_ACCESS = 1014,
} scf_error_t;

#define SCF_SUCCESS 0
#define SCF_COMPLETE 1
#define SCF_FAILED (-1)

#define SMF_IMMEDIATE 0x1
#define SMF_TEMPORARY 0x2
#define SMF_AT_NEXT_BOOT 0x4

#define SMF_EXIT_OK 0
#define SMF_EXIT_NODAEMON 94
#define SMF_EXIT_ERR_FATAL 95
#define SMF_EXIT_ERR_CONFIG 96
#define SMF_EXIT_MON_DEGRADE 97
#define SMF_EXIT_MON_OFFLINE 98
#define SMF_EXIT_ERR_NOSMF 99
#define SMF_EXIT_ERR_PERM 100
#define SMF_EXIT_TEMP_DISABLE 101

#define SCF_STATE_STRING_UNINIT "uninitialized"
#define SCF_STATE_STRING_MAINT "maintenance"
#define SCF_STATE_STRING_OFFLINE "offline"
#define SCF_STATE_STRING_DISABLED "disabled"
#define SCF_STATE_STRING_ONLINE "online"
#define SCF_STATE_STRING_DEGRADED "degraded"

scf_error_t scf_error(void);
const char* scf_strerror(scf_error_t error);

// inst_fmri NULL means this process's own instance (SMF_FMRI).
scf_simple_prop_t* scf_simple_prop_get(scf_handle_t* handle, const char* inst_fmri,
                                       const char* pgname, const char* propname);
// An extension of this seam (libscf's simple API reads only the editing
// view): the property as the instance's running snapshot holds it,
// composed with its service - what svcprop shows and methods see. Daemons
// read their configuration this way, at start and on refresh, so that a
// setprop takes effect only at `svcadm refresh` (docs/smf.md). On illumos
// it is scf_instance_get_snapshot(.., "running") followed by
// scf_instance_get_pg_composed().
scf_simple_prop_t* scf_simple_prop_get_running(scf_handle_t* handle, const char* inst_fmri,
                                               const char* pgname, const char* propname);
void scf_simple_prop_free(scf_simple_prop_t* prop);
ssize_t scf_simple_prop_numvalues(const scf_simple_prop_t* prop);
scf_type_t scf_simple_prop_type(const scf_simple_prop_t* prop);
void scf_simple_prop_next_reset(scf_simple_prop_t* prop);
uint8_t* scf_simple_prop_next_boolean(scf_simple_prop_t* prop);
uint64_t* scf_simple_prop_next_count(scf_simple_prop_t* prop);
int64_t* scf_simple_prop_next_integer(scf_simple_prop_t* prop);
int64_t* scf_simple_prop_next_time(scf_simple_prop_t* prop, int32_t* nsec);
char* scf_simple_prop_next_astring(scf_simple_prop_t* prop);
char* scf_simple_prop_next_ustring(scf_simple_prop_t* prop);

// malloc'd restarter/state ("online"); caller frees. NULL on error.
char* smf_get_state(const char* inst_fmri);
int smf_enable_instance(const char* inst_fmri, int flags);
int smf_disable_instance(const char* inst_fmri, int flags);
int smf_refresh_instance(const char* inst_fmri);
int smf_restart_instance(const char* inst_fmri);
int smf_maintain_instance(const char* inst_fmri, int flags);
int smf_degrade_instance(const char* inst_fmri, int flags);
int smf_restore_instance(const char* inst_fmri);
