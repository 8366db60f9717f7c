package io.kubedirect.examples.faas.common;

import java.util.List;

/**
 * Several stages run as one: started in list order, stopped in reverse order.
 *
 * @param stages the stages
 */
public record CompositeStage(List<? extends SliceStage> stages) implements SliceStage {

  /** Copies the list. */
  public CompositeStage {
    stages = List.copyOf(stages);
  }

  @Override
  public void start() {
    stages.forEach(SliceStage::start);
  }

  @Override
  public void stop() {
    for (int i = stages.size() - 1; i >= 0; i--) {
      stages.get(i).stop();
    }
  }

  @Override
  public boolean isRunning() {
    return stages.stream().allMatch(SliceStage::isRunning);
  }

  @Override
  public boolean hasSynced() {
    return stages.stream().allMatch(SliceStage::hasSynced);
  }
}
