/* init.c: the list of the app's ports, as JCLUSTER_PORTS gives it. */
#include "../../../main/c/preload.h"

#include "check.h"

static void reads_lists_of_ports(void) {
    int p[4];
    CHECK(parse_port_list("8080", p, 4) == 1 && p[0] == 8080, "one");
    CHECK(parse_port_list("8080,9090,1", p, 4) == 3 && p[1] == 9090 && p[2] == 1, "three");
    CHECK(parse_port_list("65535", p, 4) == 1, "the highest");
    CHECK(parse_port_list("1,2,3,4,5,6", p, 4) == 4 && p[3] == 4, "the first 4 of 6");
    CHECK(parse_port_list("", p, 4) == 0, "none");
}

static void refuses_what_is_no_list(void) {
    int p[4];
    const char *bad[] = {"0", "65536", "-1", "80,,81", "abc", "80 81", "80;81", ",80", "80x", "99999999999999999999"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(parse_port_list(bad[i], p, 4) == -1, "[%s]", bad[i]);
    }
}

int main(void) {
    reads_lists_of_ports();
    refuses_what_is_no_list();
    return check_done("ports_test");
}
