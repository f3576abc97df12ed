/** The loopback sshd the ssh-remote tests push to (shared with the rock's tests and the bench). */
export {
  type LoopbackSshd as Sshd,
  startLoopbackSshd as startSshd,
} from "@httprequest-lego-provider/loopback-sshd";
