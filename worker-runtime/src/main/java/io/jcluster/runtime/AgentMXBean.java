package io.jcluster.runtime;

/**
 * The agent's side of the bridge between the app and the agent, registered by the agent as
 * {@value JCluster#AGENT_OBJECT_NAME} in the platform MBean server. Apps use {@link JCluster}, which
 * finds it by name, so the two meet even when they were loaded by different class loaders.
 */
public interface AgentMXBean {

    /** Tells the primary the worker is ready (sent once; later calls do nothing). Never blocks. */
    void ready();

    /** This worker's slot; -1 in a warm spare until it takes one. */
    int getSlot();

    /** This worker's generation. */
    long getGeneration();

    /** Whether the primary has told this worker to drain, or the primary is gone. */
    boolean isDraining();
}
