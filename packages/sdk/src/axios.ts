/**
 * `@flowgate/sdk/axios`: the axios adapter. Importing it adds `config.flowgate` to axios's
 * request config types; the main entry stays free of axios for services that do not use it.
 */
export { flowgateAxios, flowgateAxiosAdapter, type FlowgateAxiosContext, type FlowgateAxiosOptions } from './adapters/axios.js';
