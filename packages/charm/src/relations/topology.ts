/** Juju topology labels as the COS libraries publish them. */
export interface Topology {
  model: string;
  model_uuid: string;
  application: string;
  unit: string;
  charm_name: string;
}

export const CHARM_NAME = "httprequest-lego-provider";
