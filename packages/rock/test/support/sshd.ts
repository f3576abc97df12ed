/** The loopback sshd the image tests use as the git remote's host (shared with the provider's tests). */
export {
  type LoopbackSshd as Sshd,
  startLoopbackSshd as startSshd,
} from "@httprequest-lego-provider/loopback-sshd";
