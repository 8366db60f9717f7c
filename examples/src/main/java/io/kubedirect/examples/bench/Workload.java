package io.kubedirect.examples.bench;

/**
 * One benchmark workload at one size, run on a fresh {@link BenchChain} per variant: {@link
 * #declare} before the chain's stages start (so they find the functions when they sync), {@link
 * #run} once they run.
 */
public interface Workload {

  /** The workload's name ({@code pods}, {@code functions}, ...). */
  String name();

  /** Its size (pods N, functions F, ...). */
  int size();

  /** Declares the workload's functions on {@code chain} (stages not started yet). */
  void declare(BenchChain chain) throws Exception;

  /**
   * Drives the running {@code chain} and measures; {@code live} shows a progress bar on the
   * terminal meanwhile.
   */
  RunResult run(BenchChain chain, boolean live) throws Exception;
}
