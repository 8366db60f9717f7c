/**
 * The controller author's view of kubedirect: stage declarations ({@link
 * io.kubedirect.api.StageDeclaration}, {@link io.kubedirect.api.DirectStage}) and the label keys
 * ({@link io.kubedirect.api.KubeDirectLabels}).
 */
package io.kubedirect.api;
