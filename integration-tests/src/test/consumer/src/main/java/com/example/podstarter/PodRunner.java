package com.example.podstarter;

import io.kubedirect.api.DirectStage;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;

/**
 * The stage that receives the pods (a kubelet stand-in): it writes every pod it receives back to the API
 * Server at once ({@link WriteBackPolicy#EXPOSE_ON_RECEIPT}), so {@code kubectl} sees normal pods.
 */
@DirectStage(name = "pod-runner", upstream = "pod-starter", receives = V1Pod.class)
public final class PodRunner {

  private final KubeDirect kd;

  PodRunner(ApiClient api) {
    kd = KubeDirect.builder().apiClient(api).stage(PodRunner.class)
        .transport(NettyTransport.builder().stageName("pod-runner").plaintextOnLoopback().build())
        .listen(PeerAddress.loopback(0)).writeBack(V1Pod.class, WriteBackPolicy.EXPOSE_ON_RECEIPT).build();
  }

  PeerAddress start() {
    kd.start();
    kd.informerFactory().startAllRegisteredInformers();
    return kd.localAddress().orElseThrow();
  }

  void stop() {
    kd.informerFactory().stopAllRegisteredInformers();
    kd.close();
  }
}
