package io.kubedirect.it.faults;

import java.util.List;

/**
 * The counters of one run of one {@link FaultScenario}.
 *
 * @param scenario the row
 * @param run 1-based run number
 * @param atFault the state when the fault struck (persisted/Ready pods of the burst, what the
 *     stages held in memory only)
 * @param desired the desired number of pods at the end (0 after owner-delete)
 * @param maxDesired the largest number of pods ever asked for in the run
 * @param lost desired pods missing at the end (Ready, owned, active)
 * @param excess active owned pods beyond the desired count at the end
 * @param duplicated pod names ever persisted beyond {@code maxDesired}
 * @param orphaned pods left at the end whose owner is gone
 * @param bornAfterOwnerDelete pods first persisted after the owner's deletion (the garbage
 *     collector removes them; counted, not a failure by itself)
 * @param resurrected pod names persisted again after their deletion
 * @param duplicateIps IPs held by two live pods at once
 * @param convergenceMillis from the fault to the exact end state; -1 if not reached within the
 *     deadline
 * @param drained whether every dirty set and ephemeral store emptied afterwards
 * @param problems why the run failed (empty: passed)
 */
record RunResult(
    FaultScenario scenario,
    int run,
    String atFault,
    int desired,
    int maxDesired,
    int lost,
    int excess,
    int duplicated,
    int orphaned,
    int bornAfterOwnerDelete,
    int resurrected,
    int duplicateIps,
    long convergenceMillis,
    boolean drained,
    List<String> problems) {

  boolean passed() {
    return problems.isEmpty();
  }

  static String header() {
    return String.join(
        "\t",
        "scenario",
        "run",
        "at_fault",
        "desired",
        "lost",
        "excess",
        "duplicated",
        "orphaned",
        "born_after_delete",
        "resurrected",
        "dup_ips",
        "convergence_ms",
        "drained",
        "pass",
        "problems");
  }

  String tsv() {
    return String.join(
        "\t",
        scenario.name(),
        Integer.toString(run),
        atFault,
        Integer.toString(desired),
        Integer.toString(lost),
        Integer.toString(excess),
        Integer.toString(duplicated),
        Integer.toString(orphaned),
        Integer.toString(bornAfterOwnerDelete),
        Integer.toString(resurrected),
        Integer.toString(duplicateIps),
        Long.toString(convergenceMillis),
        Boolean.toString(drained),
        passed() ? "pass" : "FAIL",
        String.join("; ", problems));
  }
}
