/** Is a Docker engine answering? A quick `GET /_ping` on its socket (500 ms timeout). */
import http from 'node:http'

export function dockerAvailable(timeoutMs = 500): Promise<boolean> {
  const host = process.env.DOCKER_HOST
  let target: http.RequestOptions
  if (host?.startsWith('tcp://') || host?.startsWith('http://')) {
    const u = new URL(host.replace(/^tcp:/, 'http:'))
    target = { host: u.hostname, port: Number(u.port || 2375) }
  } else if (host?.startsWith('unix://')) {
    target = { socketPath: host.slice('unix://'.length) }
  } else {
    target = { socketPath: '/var/run/docker.sock' }
  }
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
  })
}
