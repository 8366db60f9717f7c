package io.kubedirect.examples.smoke;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.controlplane.StartupTimings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Measures how long the local control plane takes to start (etcd + kube-apiserver, and with
 * kube-controller-manager + kube-scheduler) and to restart kube-apiserver. Prints median and max
 * over {@code [runs]} runs (default 5) per configuration.
 */
public final class ControlPlaneStartupBench {
  private ControlPlaneStartupBench() {}

  /**
   * Runs the measurement.
   *
   * @param args optional number of runs per configuration
   */
  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    for (boolean full : new boolean[] {false, true}) {
      List<StartupTimings> timings = new ArrayList<>();
      List<Duration> restarts = new ArrayList<>();
      List<Duration> stops = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        LocalControlPlane cp =
            LocalControlPlane.builder().controllerManager(full).scheduler(full).start();
        timings.add(cp.startupTimings());
        if (!full) {
          restarts.add(cp.restartApiServer());
        }
        long t0 = System.nanoTime();
        cp.close();
        stops.add(Duration.ofNanos(System.nanoTime() - t0));
      }
      System.out.printf(
          "%s, %d runs:%n",
          full
              ? "etcd + kube-apiserver + kube-controller-manager + kube-scheduler"
              : "etcd + kube-apiserver",
          runs);
      for (Component c : Component.values()) {
        List<Duration> d =
            timings.stream().map(t -> t.perComponent().get(c)).filter(x -> x != null).toList();
        if (!d.isEmpty()) {
          print("  " + c.binaryName() + " ready", d);
        }
      }
      print("  total start", timings.stream().map(StartupTimings::total).toList());
      if (!restarts.isEmpty()) {
        print("  kube-apiserver restart", restarts);
      }
      print("  stop (close)", stops);
    }
  }

  private static void print(String label, List<Duration> values) {
    List<Long> ms = values.stream().map(Duration::toMillis).sorted().toList();
    Function<Integer, Long> at = i -> ms.get(Math.min(ms.size() - 1, i));
    System.out.printf(
        "%-40s median %5d ms  min %5d ms  max %5d ms%n",
        label, at.apply(ms.size() / 2), ms.get(0), ms.get(ms.size() - 1));
  }
}
