package io.jcluster.cli.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jcluster.cli.config.Instances;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits read from cgroup trees laid out as the kernel lays them out: v1 hierarchies (with the
 * limit on the process's own group or on an ancestor), a unified v2 tree, a v2 mount of a hybrid
 * host that holds no controller, and a cgroup namespace whose mount root is the group itself. The
 * real kernel's files are read by the pod test ({@code PodIT}).
 */
class CgroupTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path root;

    @Test
    void v1QuotaAndLimitOfTheOwnGroupOrAnAncestor() throws IOException {
        Path cpu = root.resolve("cpu");
        Path memory = root.resolve("memory");
        write(cpu.resolve("cpu.cfs_quota_us"), "-1");
        write(cpu.resolve("cpu.cfs_period_us"), "100000");
        write(cpu.resolve("pod/cpu.cfs_quota_us"), "150000");
        write(cpu.resolve("pod/cpu.cfs_period_us"), "100000");
        write(memory.resolve("memory.limit_in_bytes"), "9223372036854771712");
        write(memory.resolve("pod/memory.limit_in_bytes"), Long.toString(3 * GIB / 2));
        write(memory.resolve("pod/app/memory.limit_in_bytes"), "9223372036854771712"); // unlimited: the parent's bounds it
        write(memory.resolve("pod/app/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        Path mounts = write(root.resolve("mountinfo"), String.join("\n",
                "31 23 0:28 / " + root + " rw,relatime - tmpfs tmpfs rw,mode=755",
                "32 31 0:29 / " + cpu + " rw,relatime - cgroup cgroup rw,cpu",
                "35 31 0:32 / " + memory + " rw,relatime - cgroup cgroup rw,memory",
                "41 31 0:38 / " + root.resolve("unified") + " rw,relatime - cgroup2 cgroup2 rw"));
        write(root.resolve("unified/cgroup.controllers"), ""); // a hybrid host: v2 holds no controller
        Path self = write(root.resolve("self"), "9:name=systemd:/\n4:memory:/pod/app\n1:cpu:/pod\n0::/\n");

        Cgroup c = Cgroup.read(self, mounts, 16 * GIB);
        assertEquals(1.5, c.cpuQuota().cpus(), 1e-9);
        assertEquals(cpu.resolve("pod/cpu.cfs_quota_us"), c.cpuQuota().file());
        assertEquals("1.5 CPUs", c.cpuQuota().text());
        assertEquals(3 * GIB / 2, c.memoryLimit().bytes());
        assertEquals(memory.resolve("pod/memory.limit_in_bytes"), c.memoryLimit().file(), "the ancestor's limit");
        assertEquals(3, c.oomKills());
        assertEquals(memory.resolve("pod/app"), c.memoryGroup());
    }

    @Test
    void v2UnifiedTreeAndNoLimits() throws IOException {
        Path fs = root.resolve("fs");
        write(fs.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        write(fs.resolve("kubepods/pod1/cpu.max"), "50000 100000\n");
        write(fs.resolve("kubepods/pod1/memory.max"), "max\n");
        write(fs.resolve("kubepods/pod1/ctr/cpu.max"), "max 100000\n");
        write(fs.resolve("kubepods/pod1/ctr/memory.max"), Long.toString(GIB) + "\n");
        write(fs.resolve("kubepods/pod1/ctr/memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
        Path mounts = write(root.resolve("mountinfo"), "30 24 0:26 / " + fs + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
        Path self = write(root.resolve("self"), "0::/kubepods/pod1/ctr\n");

        Cgroup c = Cgroup.read(self, mounts, 16 * GIB);
        assertEquals(0.5, c.cpuQuota().cpus(), 1e-9, "the pod's quota bounds its container");
        assertEquals("0.5 CPUs", c.cpuQuota().text());
        assertEquals(GIB, c.memoryLimit().bytes());
        assertEquals(1, c.oomKills());

        write(fs.resolve("kubepods/pod1/cpu.max"), "max 100000\n");
        write(fs.resolve("kubepods/pod1/ctr/memory.max"), Long.toString(32 * GIB));
        Cgroup none = Cgroup.read(self, mounts, 16 * GIB);
        assertNull(none.cpuQuota(), "max is no quota");
        assertNull(none.memoryLimit(), "a limit above the machine's memory is none");
    }

    @Test
    void aCgroupNamespaceSeesItsOwnGroupAsTheMountRoot() throws IOException {
        Path fs = root.resolve("fs");
        write(fs.resolve("cgroup.controllers"), "cpu memory\n");
        write(fs.resolve("cpu.max"), "200000 100000\n");
        Path mounts = write(root.resolve("mountinfo"), "30 24 0:26 /docker/abc " + fs + " ro - cgroup2 cgroup2 rw\n");
        Path self = write(root.resolve("self"), "0::/\n");
        assertEquals(2.0, Cgroup.read(self, mounts, 16 * GIB).cpuQuota().cpus(), 1e-9);
        assertEquals(0, Cgroup.read(root.resolve("none"), root.resolve("none"), GIB).oomKills() + 1, "no cgroup: unknown (-1)");
    }

    @Test
    void autoIsTheQuotaRoundedDownAndAtLeastOne() {
        Path f = Path.of("cpu.max");
        assertEquals(1, Instances.auto(2, new Cgroup.CpuQuota(1.5, f)).workers(), "1.5 CPUs: 1 worker (the JVM says 2)");
        assertEquals(3, Instances.auto(4, new Cgroup.CpuQuota(3.99, f)).workers());
        assertEquals(2, Instances.auto(2, new Cgroup.CpuQuota(3.0, f)).workers(), "no more than the processors");
        assertEquals(4, Instances.auto(4, null).workers());
        Instances.Auto small = Instances.auto(1, new Cgroup.CpuQuota(0.5, f));
        assertEquals(1, small.workers());
        assertEquals("the CPU quota of 0.5 CPUs (cpu.max) is below one CPU: 1 worker", small.why());
        assertEquals("the CPU quota of 1.5 CPUs (cpu.max), rounded down", Instances.auto(2, new Cgroup.CpuQuota(1.5, f)).why());
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
