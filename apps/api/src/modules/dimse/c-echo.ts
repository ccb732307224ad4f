import dimse from 'dcmjs-dimse';

type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;
type CEchoResponse = InstanceType<typeof dimse.responses.CEchoResponse>;

// C-ECHO (PS3.4 A.4, Verification): a registered AE checks that it reaches Zhiyin.
export function answerEcho(request: CEchoRequest): CEchoResponse {
  const response = dimse.responses.CEchoResponse.fromRequest(request);
  response.setStatus(dimse.constants.Status.Success);
  return response;
}
