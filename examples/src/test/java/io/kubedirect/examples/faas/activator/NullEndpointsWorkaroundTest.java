package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import org.junit.jupiter.api.Test;

class NullEndpointsWorkaroundTest {

  private static final String EMPTY_SLICE =
      "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
          + "\"metadata\":{\"name\":\"fn-x\",\"namespace\":\"ns\"},\"addressType\":\"IPv4\",\"endpoints\":null,"
          + "\"ports\":null}";

  @Test
  void slicesWithoutEndpointsAreReadAloneAndInLists() {
    NullEndpointsWorkaround.install();
    NullEndpointsWorkaround.install();
    V1EndpointSlice slice = JSON.deserialize(EMPTY_SLICE, V1EndpointSlice.class);
    assertThat(slice.getEndpoints()).isEmpty();
    V1EndpointSliceList list =
        JSON.deserialize(
            "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":"
                + "\"EndpointSliceList\",\"metadata\":{},\"items\":["
                + EMPTY_SLICE
                + "]}",
            V1EndpointSliceList.class);
    assertThat(list.getItems())
        .singleElement()
        .satisfies(s -> assertThat(s.getEndpoints()).isEmpty());
  }
}
