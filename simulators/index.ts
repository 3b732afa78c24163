// The sensor simulators: real MQTT clients playing a deterministic scenario of guards, cameras and
// plate cameras. They speak device contract v1 through protocol/ only — never server code — so
// they run against any Smart Estate server, local or remote.
export type { SimDevice, SimDeviceKind, SimCheckpoint, SimEstate, SimProgress, Simulation, SimulationOptions, ScheduledEvent } from './types.ts';
export { startSimulation } from './simulation.ts';
export { createScenario, scenarioUntil, type Scenario, type ScenarioInput, type ScenarioStream } from './scenario/scenario.ts';
